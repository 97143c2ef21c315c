import Foundation
import PostgresNIO

extension UsageStore {
    /// Where usage records live.
    public enum Configuration: Sendable, Equatable {
        /// A SQLite file (the default: `<data dir>/usage.sqlite`), WAL mode. The parent
        /// directory and the file (mode 0600) are created on first use. File paths only:
        /// `:memory:` would give the writer and reader connections two different databases.
        case sqlite(path: String, synchronous: SQLiteSynchronous = .normal, busyTimeout: Duration = .seconds(5))
        /// A PostgreSQL server, for several relay instances sharing one ledger.
        /// `url`: `postgres://user:password@host:port/database?sslmode=disable|prefer|require`
        /// (`host=/socket/dir` in the query selects a Unix socket). `schema`: tables live in
        /// this schema (created if missing) instead of the user's default search path.
        case postgres(url: String, schema: String? = nil, maxConnections: Int = 8)
    }
}

extension UsageStore.Configuration {
    /// Parses a `postgres://` URL into postgres-nio's client configuration.
    static func postgresClientConfiguration(url: String, schema: String?, maxConnections: Int) throws -> PostgresClient.Configuration {
        guard let components = URLComponents(string: url), let scheme = components.scheme,
            scheme == "postgres" || scheme == "postgresql"
        else {
            throw UsageStoreError.invalidConfiguration("database_url must look like postgres://user:password@host:5432/database")
        }
        let query = Dictionary((components.queryItems ?? []).map { ($0.name, $0.value ?? "") }, uniquingKeysWith: { _, last in last })
        guard let user = components.percentEncodedUser.flatMap({ $0.removingPercentEncoding }), !user.isEmpty else {
            throw UsageStoreError.invalidConfiguration("database_url needs a user name")
        }
        let password = components.percentEncodedPassword.flatMap { $0.removingPercentEncoding }
        var database = components.path
        if database.hasPrefix("/") { database.removeFirst() }
        let databaseName = database.isEmpty ? nil : database.removingPercentEncoding

        var configuration: PostgresClient.Configuration
        if let socketDirectory = query["host"], socketDirectory.hasPrefix("/") {
            let port = components.port ?? 5432
            configuration = .init(
                unixSocketPath: "\(socketDirectory)/.s.PGSQL.\(port)", username: user, password: password, database: databaseName
            )
        } else {
            guard let host = components.host, !host.isEmpty else {
                throw UsageStoreError.invalidConfiguration("database_url needs a host")
            }
            let tls: PostgresClient.Configuration.TLS
            switch query["sslmode"] ?? "prefer" {
            case "disable":
                tls = .disable
            case "allow", "prefer":
                tls = .prefer(.makeClientConfiguration())
            case "require":
                var unverified = TLSConfiguration.makeClientConfiguration()
                unverified.certificateVerification = .none
                tls = .require(unverified)
            case "verify-ca", "verify-full":
                tls = .require(.makeClientConfiguration())
            case let other:
                throw UsageStoreError.invalidConfiguration("unsupported sslmode \"\(other)\"")
            }
            configuration = .init(host: host, port: components.port ?? 5432, username: user, password: password, database: databaseName, tls: tls)
        }
        if let schema {
            guard Self.isValidSchemaName(schema) else {
                throw UsageStoreError.invalidConfiguration("schema must be lower-case letters, digits and underscores")
            }
            configuration.options.additionalStartupParameters = [("search_path", schema)]
        }
        configuration.options.maximumConnections = max(1, maxConnections)
        configuration.options.connectTimeout = .seconds(5)
        return configuration
    }

    static func isValidSchemaName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, name.count <= 63 else { return false }
        guard ("a"..."z").contains(first) || first == "_" else { return false }
        return name.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "_" }
    }
}

/// Why a storage operation failed. The ledger turns all of these into counted drops; the relay
/// never sees them.
public enum UsageStoreError: Error, Sendable, Equatable, CustomStringConvertible {
    /// `close()` was called, or the store's service has stopped.
    case closed
    /// The database cannot be used right now (bad path, server down).
    case unavailable(String)
    /// The configuration can never work (malformed URL, bad schema name).
    case invalidConfiguration(String)

    public var description: String {
        switch self {
        case .closed: "usage store is closed"
        case .unavailable(let reason): "usage store unavailable: \(reason)"
        case .invalidConfiguration(let reason): "invalid usage store configuration: \(reason)"
        }
    }
}
