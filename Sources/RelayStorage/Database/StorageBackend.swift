import Logging
import PostgresKit
import PostgresNIO
import SQLKit

/// The two databases behind one code path. Everything above this type speaks `any SQLDatabase`
/// with SQL both dialects accept; the only differences live here (how a connection is
/// obtained, how a transaction starts) and in `Migrations` (a PostgreSQL advisory lock).
enum StorageBackend: Sendable {
    case sqlite(SQLiteFile)
    /// `ownsClient`: the store created the client and runs it in its own `run()`.
    case postgres(PostgresClient, ownsClient: Bool)

    var name: String {
        switch self {
        case .sqlite: "sqlite"
        case .postgres: "postgresql"
        }
    }

    var isPostgres: Bool {
        if case .postgres = self { return true }
        return false
    }

    /// Runs `body` on the connection that writes. SQLite: the single writer connection,
    /// serialized; PostgreSQL: one pooled connection for the whole closure, so a transaction
    /// started inside stays on it.
    func withWriter<R: Sendable>(_ body: (any SQLDatabase) async throws -> R) async throws -> R {
        switch self {
        case .sqlite(let file):
            return try await file.writer.with(body)
        case .postgres(let client, _):
            return try await client.withConnection { connection in
                try await body(connection.sql(queryLogLevel: .trace))
            }
        }
    }

    /// Runs `body` on a connection for reads (SQLite: a second, query-only connection).
    func withReader<R: Sendable>(_ body: (any SQLDatabase) async throws -> R) async throws -> R {
        switch self {
        case .sqlite(let file):
            return try await file.reader.with(body)
        case .postgres(let client, _):
            return try await client.withConnection { connection in
                try await body(connection.sql(queryLogLevel: .trace))
            }
        }
    }

    /// A write transaction on the writer connection. SQLite takes the write lock up front
    /// (`BEGIN IMMEDIATE`), so a second process waits on `busy_timeout` instead of failing
    /// the commit with a lock upgrade deadlock.
    func writeTransaction<R: Sendable>(_ body: (any SQLDatabase) async throws -> R) async throws -> R {
        let begin: SQLQueryString = isPostgres ? "BEGIN" : "BEGIN IMMEDIATE"
        return try await withWriter { db in
            try await Self.transaction(db, begin: begin, body)
        }
    }

    /// A read-only snapshot, so the several queries behind one stats answer agree.
    func readTransaction<R: Sendable>(_ body: (any SQLDatabase) async throws -> R) async throws -> R {
        let begin: SQLQueryString = isPostgres ? "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY" : "BEGIN"
        return try await withReader { db in
            try await Self.transaction(db, begin: begin, body)
        }
    }

    private static func transaction<R: Sendable>(
        _ db: any SQLDatabase, begin: SQLQueryString, _ body: (any SQLDatabase) async throws -> R
    ) async throws -> R {
        try await db.raw(begin).run()
        do {
            let result = try await body(db)
            try await db.raw("COMMIT").run()
            return result
        } catch {
            // SQLite may already have rolled back on SQLITE_FULL / IOERR; a second ROLLBACK
            // then fails harmlessly.
            try? await db.raw("ROLLBACK").run()
            throw error
        }
    }
}
