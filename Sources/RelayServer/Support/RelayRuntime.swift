public import Foundation
public import Logging
public import RelayConfig
public import RelayCore
public import RelayRouting
public import RelayStorage
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
    /// The durable usage ledger; nil when the relay runs without a data dir (tests).
    public let ledger: UsageLedger?
    public let usageStore: UsageStore?
    private let immediateSinks: FanoutUsageSink
    public let wallClock: any WallClock
    public let dataDirectory: URL?
    public let logger: Logger
    private let poolStates: [PoolName: PoolState]

    public init(
        config: RuntimeConfig, dataDirectory: URL?, sink: any UsageSink, logger: Logger, wallClock: any WallClock = SystemWallClock(),
        monotonicClock: any MonotonicClock = SystemMonotonicClock(), metrics: RelayMetrics = RelayMetrics(), usageStore: UsageStore? = nil,
        ledger: UsageLedger? = nil
    ) {
        self.configs = ConfigHolder(config)
        self.clients = UpstreamClients(logger: logger)
        self.budget = RetryBudget()
        self.metrics = metrics
        self.usageStore = usageStore
        self.ledger = ledger
        self.immediateSinks = FanoutUsageSink([sink, metrics])
        self.sink = FanoutUsageSink([sink, metrics] + (ledger.map { [$0] } ?? []))
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

    /// Records a finished request so that it is durable before the caller sends the response's
    /// final bytes: the log line and metrics at once, the ledger with a group-commit wait
    /// (bounded; if the store is failing the record is queued and the response goes on).
    public func recordDurably(_ record: RequestRecord) async {
        immediateSinks.record(record)
        if let ledger { await ledger.recordDurably(record) }
    }

    /// The price table: config overrides first, then the built-in defaults.
    public var prices: PriceTable {
        let usage = configs.snapshot.file.usage
        let overrides = usage.prices.map { price in
            PriceTable.Rule(
                price.model,
                ModelPrice(
                    input: price.input, output: price.output, cacheWrite: price.cacheWrite ?? price.input * 1.25,
                    cacheRead: price.cacheRead ?? price.input / 10))
        }
        var table = PriceTable.defaults.adding(overrides)
        table.currency = DisplayCurrency(code: usage.currency, perUSD: usage.currencyPerUSD)
        return table
    }
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
