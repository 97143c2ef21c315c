import AsyncHTTPClient
import Logging
import NIOCore
import NIOSSL
public import RelayConfig
public import ServiceLifecycle
import Synchronization

/// Owns the outbound HTTP clients: one per distinct (proxy, CA file, timeouts), created on first
/// use and shut down after the server has drained.
///
/// Each client keeps HTTP/2 negotiation on (`httpVersion: .automatic`), verifies TLS with the
/// system trust store plus the upstream's CA file, never follows redirects (a redirect could
/// carry the upstream key to another host) and never decompresses (bytes pass through).
public final class UpstreamClients: Service, Sendable {
    struct Key: Hashable {
        var proxy: ProxySetting?
        var caFile: String?
        var connectTimeout: Double
        var idleTimeout: Double
    }

    private let clients = Mutex<[Key: HTTPClient]>([:])
    private let connectionsPerHost: Int
    private let logger: Logger

    public init(connectionsPerHost: Int = 4096, logger: Logger) {
        self.connectionsPerHost = connectionsPerHost
        self.logger = logger
    }

    /// The client for `target` under `timeouts`; created once and reused.
    public func client(for target: UpstreamTarget, timeouts: Timeouts) throws(UpstreamError) -> HTTPClient {
        let key = Key(proxy: target.proxy, caFile: target.caFile, connectTimeout: timeouts.connect, idleTimeout: timeouts.idle)
        if let existing = clients.withLock({ $0[key] }) { return existing }
        var tls = TLSConfiguration.makeClientConfiguration()
        if let caFile = target.caFile {
            do {
                let certificates = try NIOSSLCertificate.fromPEMFile(caFile)
                tls.additionalTrustRoots = [.certificates(certificates)]
            } catch {
                throw .misconfigured("cannot read ca_file of upstream \(target.name)")
            }
        }
        var configuration = HTTPClient.Configuration(
            tlsConfiguration: tls,
            redirectConfiguration: .disallow,
            timeout: .init(connect: .milliseconds(Int64(timeouts.connect * 1000)), read: .milliseconds(Int64(timeouts.idle * 1000))),
            connectionPool: .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: connectionsPerHost),
            proxy: target.proxy.map(Self.proxy),
            decompression: .disabled
        )
        configuration.httpVersion = .automatic
        // A refused connection must fail now, not be retried until the connect timeout: the
        // relay decides what happens next (another upstream, or a clear 502).
        configuration.connectionPool.retryConnectionEstablishment = false
        return clients.withLock { table in
            if let existing = table[key] { return existing }
            let created = HTTPClient(
                eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration, backgroundActivityLogger: logger)
            table[key] = created
            return created
        }
    }

    static func proxy(_ setting: ProxySetting) -> HTTPClient.Configuration.Proxy {
        switch setting.kind {
        case .http:
            if let user = setting.username {
                return .server(host: setting.host, port: setting.port, authorization: .basic(username: user, password: setting.password ?? ""))
            }
            return .server(host: setting.host, port: setting.port)
        case .socks5:
            return .socksServer(host: setting.host, port: setting.port)
        }
    }

    /// Waits for graceful shutdown, then shuts every client down (after the server drained,
    /// because the service group stops services in reverse order).
    public func run() async throws {
        try? await gracefulShutdown()
        try await shutdown()
    }

    public func shutdown() async throws {
        let all = clients.withLock { table -> [HTTPClient] in
            let values = Array(table.values)
            table.removeAll()
            return values
        }
        for client in all { try? await client.shutdown() }
    }
}
