/// The usage ledger: where records go, how long they stay, and how tokens are priced.
public struct UsageSettings: Codable, Sendable, Equatable {
    /// false runs without a ledger (no records, no stats); the log line and metrics remain.
    public var enabled: Bool
    /// `postgres://user:password@host:port/db` to share one ledger between several instances;
    /// nil keeps a SQLite file (`usage.sqlite`) in the data dir.
    public var databaseURL: String?
    /// Raw request records older than this many days are deleted daily (rollups stay, so long
    /// periods still answer); nil keeps everything.
    public var retentionDays: Int?
    /// Per-model price overrides (USD per million tokens), matched before the built-in table.
    public var prices: [PriceOverride]
    /// Second currency for display, e.g. CNY at 7.2 per USD.
    public var currency: String
    public var currencyPerUSD: Double

    public init(
        enabled: Bool = true, databaseURL: String? = nil, retentionDays: Int? = nil, prices: [PriceOverride] = [], currency: String = "CNY",
        currencyPerUSD: Double = 7.2
    ) {
        self.enabled = enabled
        self.databaseURL = databaseURL
        self.retentionDays = retentionDays
        self.prices = prices
        self.currency = currency
        self.currencyPerUSD = currencyPerUSD
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case enabled, databaseURL = "database_url", retentionDays = "retention_days", prices, currency, currencyPerUSD = "currency_per_usd"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        try rejectUnknownKeys(decoder, CodingKeys.self)
        let d = UsageSettings()
        enabled = try c.decodeIfPresent(Bool.self, forKey: .enabled) ?? true
        databaseURL = try c.decodeIfPresent(String.self, forKey: .databaseURL)
        retentionDays = try c.decodeIfPresent(Int.self, forKey: .retentionDays)
        prices = try c.decodeIfPresent([PriceOverride].self, forKey: .prices) ?? []
        currency = try c.decodeIfPresent(String.self, forKey: .currency) ?? d.currency
        currencyPerUSD = try c.decodeIfPresent(Double.self, forKey: .currencyPerUSD) ?? d.currencyPerUSD
    }
}

/// A price for models whose name matches `model` (a family prefix such as `claude-sonnet-4`).
public struct PriceOverride: Codable, Sendable, Equatable {
    public var model: String
    public var input: Double
    public var output: Double
    public var cacheWrite: Double?
    public var cacheRead: Double?

    public init(model: String, input: Double, output: Double, cacheWrite: Double? = nil, cacheRead: Double? = nil) {
        self.model = model
        self.input = input
        self.output = output
        self.cacheWrite = cacheWrite
        self.cacheRead = cacheRead
    }

    enum CodingKeys: String, CodingKey, CaseIterable { case model, input, output, cacheWrite = "cache_write", cacheRead = "cache_read" }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        try rejectUnknownKeys(decoder, CodingKeys.self)
        model = try c.decode(String.self, forKey: .model)
        input = try c.decode(Double.self, forKey: .input)
        output = try c.decode(Double.self, forKey: .output)
        cacheWrite = try c.decodeIfPresent(Double.self, forKey: .cacheWrite)
        cacheRead = try c.decodeIfPresent(Double.self, forKey: .cacheRead)
    }
}
