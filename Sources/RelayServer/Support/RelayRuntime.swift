public import Foundation
public import Logging
public import RelayConfig
public import RelayCore
public import RelayRouting
public import RelayUpstream
import Synchronization

/// Everything requests and background services share: the config snapshot, outbound clients,
/// upstream health, retry budget, per-pool backup memory, the usage sink and the routing log.
public final class RelayRuntime: Sendable {
    public let configs: ConfigHolder
    public let clients: UpstreamClients
    public let health: HealthBook
    public let budget: RetryBudget
    public let sink: any UsageSink
    public let connections: ConnectionRegistry
    public let recent: RecentRequests
    public let metrics: RelayMetrics
    public let wallClock: any WallClock
    public let dataDirectory: URL?
    public let logger: Logger
    private let poolStates: [PoolName: PoolState]

    public init(
        config: RuntimeConfig, dataDirectory: URL?, sink: any UsageSink, logger: Logger, wallClock: any WallClock = SystemWallClock(),
        monotonicClock: any MonotonicClock = SystemMonotonicClock(), metrics: RelayMetrics = RelayMetrics()
    ) {
        self.configs = ConfigHolder(config)
        self.clients = UpstreamClients(logger: logger)
        self.budget = RetryBudget()
        self.metrics = metrics
        self.sink = FanoutUsageSink([sink, metrics])
        self.connections = ConnectionRegistry()
        self.recent = RecentRequests()
        self.wallClock = wallClock
        self.dataDirectory = dataDirectory
        self.logger = logger
        var states: [PoolName: PoolState] = [:]
        for pool in PoolName.allCases { states[pool] = PoolState() }
        self.poolStates = states
        let healthFile = dataDirectory?.appendingPathComponent("health.json")
        let restored = healthFile.flatMap { try? JSONDecoder.iso.decode([String: HealthBook.PersistedDisable].self, from: Data(contentsOf: $0)) } ?? [:]
        self.health = HealthBook(clock: monotonicClock, restoring: restored) { disabled in
            guard let healthFile else { return }
            do {
                let data = try JSONEncoder.iso.encode(disabled)
                try ConfigStore.writeFileAtomically(data, to: healthFile)
            } catch {
                logger.error("cannot persist disabled upstreams", metadata: ["error": "\(error)"])
            }
        }
    }

    public func poolState(_ pool: PoolName) -> PoolState { poolStates[pool] ?? PoolState() }
}

extension JSONEncoder {
    static var iso: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return encoder
    }
}

extension JSONDecoder {
    static var iso: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }
}
