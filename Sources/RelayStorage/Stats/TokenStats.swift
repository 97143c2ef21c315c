/// The answer of `GET /api/token-stats`.
///
/// Keeps the original project's shape — `summary` (with `unique_models`), `by_model`, `daily`
/// (with `models`: request count per model) and `generated_at` — and adds `by_upstream`,
/// `by_client`, real per-model tokens per day (`daily[day].by_model`), the period, and costs.
/// Keys of the maps are names as stored; a missing name is `"(unknown)"`.
public struct TokenStats: Sendable, Equatable, Codable {
    public var summary: Summary
    public var byModel: [String: TokenTotals]
    public var byUpstream: [String: TokenTotals]
    public var byClient: [String: TokenTotals]
    /// Keyed by local date `YYYY-MM-DD`.
    public var daily: [String: Day]
    public var period: Period
    /// The display currency of every `cost_local`, when a price table was given.
    public var currency: DisplayCurrency?
    /// Models seen in the period that no price rule matched (their cost is not included).
    public var unpricedModels: [String]
    /// Local time of the answer, `YYYY-MM-DD HH:MM:SS`.
    public var generatedAt: String

    /// The label used for a missing model, upstream or client.
    public static let unknownName = "(unknown)"

    public init(
        summary: Summary, byModel: [String: TokenTotals], byUpstream: [String: TokenTotals], byClient: [String: TokenTotals],
        daily: [String: Day], period: Period, currency: DisplayCurrency?, unpricedModels: [String], generatedAt: String
    ) {
        self.summary = summary
        self.byModel = byModel
        self.byUpstream = byUpstream
        self.byClient = byClient
        self.daily = daily
        self.period = period
        self.currency = currency
        self.unpricedModels = unpricedModels
        self.generatedAt = generatedAt
    }

    enum CodingKeys: String, CodingKey {
        case summary
        case byModel = "by_model"
        case byUpstream = "by_upstream"
        case byClient = "by_client"
        case daily, period, currency
        case unpricedModels = "unpriced_models"
        case generatedAt = "generated_at"
    }

    /// `summary`: totals plus the sorted list of model names.
    public struct Summary: Sendable, Equatable, Codable {
        public var totals: TokenTotals
        public var uniqueModels: [String]

        public init(totals: TokenTotals, uniqueModels: [String]) {
            self.totals = totals
            self.uniqueModels = uniqueModels
        }

        enum CodingKeys: String, CodingKey { case uniqueModels = "unique_models" }

        public init(from decoder: any Decoder) throws {
            totals = try TokenTotals(from: decoder)
            uniqueModels = try decoder.container(keyedBy: CodingKeys.self).decodeIfPresent([String].self, forKey: .uniqueModels) ?? []
        }

        public func encode(to encoder: any Encoder) throws {
            try totals.encode(to: encoder)
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(uniqueModels, forKey: .uniqueModels)
        }
    }

    /// One local day: totals, `models` (request count per model, as the original had) and
    /// `by_model` (real token totals per model).
    public struct Day: Sendable, Equatable, Codable {
        public var totals: TokenTotals
        public var models: [String: Int]
        public var byModel: [String: TokenTotals]

        public init(totals: TokenTotals = TokenTotals(), models: [String: Int] = [:], byModel: [String: TokenTotals] = [:]) {
            self.totals = totals
            self.models = models
            self.byModel = byModel
        }

        enum CodingKeys: String, CodingKey {
            case models
            case byModel = "by_model"
        }

        public init(from decoder: any Decoder) throws {
            totals = try TokenTotals(from: decoder)
            let c = try decoder.container(keyedBy: CodingKeys.self)
            models = try c.decodeIfPresent([String: Int].self, forKey: .models) ?? [:]
            byModel = try c.decodeIfPresent([String: TokenTotals].self, forKey: .byModel) ?? [:]
        }

        public func encode(to encoder: any Encoder) throws {
            try totals.encode(to: encoder)
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(models, forKey: .models)
            try c.encode(byModel, forKey: .byModel)
        }
    }

    /// The period the answer covers; bounds are ISO 8601 in the answer's time zone, nil when
    /// unbounded.
    public struct Period: Sendable, Equatable, Codable {
        public var label: String
        public var from: String?
        public var to: String?
        public var timeZone: String

        public init(label: String, from: String?, to: String?, timeZone: String) {
            self.label = label
            self.from = from
            self.to = to
            self.timeZone = timeZone
        }

        enum CodingKeys: String, CodingKey {
            case label, from, to
            case timeZone = "time_zone"
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(label, forKey: .label)
            try c.encode(from, forKey: .from)
            try c.encode(to, forKey: .to)
            try c.encode(timeZone, forKey: .timeZone)
        }
    }
}
