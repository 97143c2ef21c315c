import Foundation
public import Hummingbird
import HummingbirdCore
import HummingbirdTLS
public import Logging
import NIOCore
import NIOSSL
public import RelayConfig
import RelayCore
import RelayStorage
public import RelayUpstream
public import ServiceLifecycle

/// Builds the whole relay: router, middleware, outbound clients and services.
public enum SwitchyardApp {
    /// - Parameters:
    ///   - onServerRunning: receives the bound port (useful with port 0).
    public static func build(
        config: RuntimeConfig, host: String, port: Int, logger: Logger, store: ConfigStore? = nil, environment: [String: String] = [:],
        extraSinks: [any UsageSink] = [], extraServices: [any Service] = [], onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) throws -> some ApplicationProtocol {
        let sink = FanoutUsageSink([RequestLogSink(logger: logger)] + extraSinks)
        var usageStore: UsageStore?
        var ledger: UsageLedger?
        if let store, config.file.usage.enabled {
            // The ledger: SQLite in the data dir unless usage.database_url names a PostgreSQL server.
            let configuration: UsageStore.Configuration =
                if let url = config.file.usage.databaseURL, !url.isEmpty {
                    .postgres(url: url)
                } else {
                    .sqlite(path: store.dataDirectory.appendingPathComponent("usage.sqlite").path)
                }
            let created = try UsageStore(configuration, dailyTimeZone: config.timeZone, logger: logger)
            usageStore = created
            ledger = UsageLedger(writer: created, logger: logger)
        }
        let runtime = RelayRuntime(
            config: config, dataDirectory: store?.dataDirectory, sink: sink, logger: logger, usageStore: usageStore, ledger: ledger)
        return try build(
            runtime: runtime, host: host, port: port, store: store, environment: environment, extraServices: extraServices,
            onServerRunning: onServerRunning)
    }

    /// Builds the app around an existing runtime (tests use this to reach health and config).
    public static func build(
        runtime: RelayRuntime, host: String, port: Int, store: ConfigStore? = nil, environment: [String: String] = [:],
        extraServices: [any Service] = [], onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) throws -> some ApplicationProtocol {
        let config = runtime.configs.snapshot
        let logger = runtime.logger
        let connections = runtime.connections
        let clients = runtime.clients
        let relay = RelayService(runtime: runtime)

        let router = Router(context: RelayRequestContext.self)
        router.add(middleware: RelayMiddleware(relay: relay))
        router.get("/health") { _, _ in "ok" }
        router.get("/metrics") { request, context in
            try MetricsEndpoint.authorize(request, context: context, token: runtime.configs.snapshot.server.metricsToken)
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
                body: .init(byteBuffer: ByteBuffer(string: runtime.metrics.scrape(runtime: runtime))))
        }
        // Admin surface: everything registered after this middleware needs the admin token (docs/ADMIN-API.md).
        let adminGuard = AdminGuard(runtime: runtime, environment: environment, listenHost: host, tls: config.server.tls != nil)
        router.add(middleware: AdminAuthMiddleware(guard: adminGuard))
        let activation = ActivationService(runtime: runtime)
        StatusAPI(runtime: runtime, activation: activation).register(on: router)
        AdminAPI(guard: adminGuard, store: store, environment: environment).register(on: router)
        TokenStatsAPI(runtime: runtime).register(on: router)
        UIRoutes().register(on: router)
        // Stopped in reverse order after the server drained: the ledger drains, then the store closes.
        var services: [any Service] = []
        if let usageStore = runtime.usageStore, let ledger = runtime.ledger {
            services += [usageStore, ledger, UsageMaintenance(runtime: runtime)]
            runtime.metrics.addScrapeGauges {
                let status = ledger.status
                return [
                    (name: "switchyard_ledger_queue_depth", value: Double(status.queued)),
                    (name: "switchyard_ledger_written_total", value: Double(status.written)),
                    (name: "switchyard_ledger_dropped_total", value: Double(status.dropped.values.reduce(0, +))),
                    (name: "switchyard_ledger_healthy", value: status.isHealthy ? 1 : 0),
                    (name: "switchyard_ledger_unconfirmed_waits_total", value: Double(status.unconfirmedWaits)),
                ]
            }
        }
        services += [clients, activation]
        if let store {
            services.append(ConfigReloader(runtime: runtime, store: store, environment: environment))
        }

        let http1: HTTPServerBuilder = .http1(configuration: .init(additionalChannelHandlers: [connections.makeHandler()]))
        var server = http1
        if let tls = config.server.tls {
            server = try .tls(http1, tlsConfiguration: try serverTLS(tls))
        }
        return Application(
            router: router,
            server: server,
            configuration: .init(address: .hostname(host, port: port), serverName: "switchyard", backlog: 4096),
            services: services + extraServices,
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? port) },
            logger: logger
        )
    }

    static func serverTLS(_ files: TLSFiles) throws -> TLSConfiguration {
        let chain = try NIOSSLCertificate.fromPEMFile(files.certificate)
        let key = try NIOSSLPrivateKey(file: files.privateKey, format: .pem)
        return TLSConfiguration.makeServerConfiguration(certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
    }

    /// The startup banner: address, pools in priority order with masked keys, warnings.
    public static func banner(config: RuntimeConfig, host: String, port: Int, configPath: String) -> [String] {
        let scheme = config.server.tls == nil ? "http" : "https"
        let shownHost = host.contains(":") ? "[\(host)]" : host
        let base = "\(scheme)://\(shownHost):\(port)"
        var lines = [
            String(repeating: "=", count: 64),
            "Switchyard relay listening on \(base)",
            "  config: \(configPath)",
            "  time zone: \(config.timeZone.identifier)",
            "  Claude Code: ANTHROPIC_BASE_URL=\(base)/api",
            "  Codex CLI:   base_url = \"\(base)/openai\", wire_api = \"responses\"",
        ]
        for pool in PoolName.allCases {
            let targets = config.upstreams(in: pool)
            lines.append("Pool \(pool.rawValue): \(targets.isEmpty ? "no upstreams" : "\(targets.count) upstream(s), in priority order")")
            for (rank, target) in targets.enumerated() {
                let days = zip(["Mo", "Tu", "We", "Th", "Fr", "Sa", "Su"], target.weekdays).filter(\.1).map(\.0)
                let schedule = days.count == 7 ? "every day" : days.joined(separator: ",")
                let state = target.enabled ? "" : " [disabled]"
                lines.append(
                    "  #\(rank + 1) \(target.name) (\(target.role.rawValue), \(target.format.rawValue), \(target.auth.rawValue)) \(target.baseURL) key \(SecretMask.mask(target.key)) \(schedule)\(state)"
                        + (target.proxy.map { " via \($0)" } ?? ""))
            }
        }
        lines.append("Clients: " + (config.clients.isEmpty ? "none" : config.clients.map(\.name).joined(separator: ", ")))
        for warning in config.warnings { lines.append("WARNING: \(warning)") }
        lines.append(String(repeating: "=", count: 64))
        return lines
    }
}
