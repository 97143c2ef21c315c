/// Counts and token sums of a set of requests, in the original project's JSON shape
/// (`total_requests`, `total_tokens`, `total_input_tokens`, …) plus additions.
///
/// Invariants: `inputTokens` is new (uncached) input; `totalTokens` = input + output + cache
/// creation + cache read (reasoning is already inside output); sums add reported values only,
/// and `unknownUsageRequests` says how many requests reported no usage at all. Costs are
/// present only when a price table was given, and cover priced models only.
public struct TokenTotals: Sendable, Equatable, Codable {
    public var requests = 0
    public var inputTokens = 0
    public var outputTokens = 0
    public var cacheCreationTokens = 0
    /// The part of `cacheCreationTokens` written to Anthropic's 1-hour cache (priced higher).
    public var cacheCreation1hTokens = 0
    public var cacheReadTokens = 0
    public var reasoningTokens = 0
    public var unknownUsageRequests = 0
    /// Requests answered with a status outside 200–399 (or with none).
    public var failedRequests = 0
    /// Streams that ended without their terminal event.
    public var partialRequests = 0
    public var costUSD: Double?
    /// `costUSD` in the display currency (`TokenStats.currency`).
    public var costLocal: Double?

    public init() {}

    public var totalTokens: Int { inputTokens + outputTokens + cacheCreationTokens + cacheReadTokens }

    enum CodingKeys: String, CodingKey {
        case requests = "total_requests"
        case totalTokens = "total_tokens"
        case inputTokens = "total_input_tokens"
        case outputTokens = "total_output_tokens"
        case cacheCreationTokens = "total_cache_creation_tokens"
        case cacheCreation1hTokens = "total_cache_creation_1h_tokens"
        case cacheReadTokens = "total_cache_read_tokens"
        case reasoningTokens = "total_reasoning_tokens"
        case unknownUsageRequests = "unknown_usage_requests"
        case failedRequests = "failed_requests"
        case partialRequests = "partial_requests"
        case costUSD = "cost_usd"
        case costLocal = "cost_local"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        requests = try c.decodeIfPresent(Int.self, forKey: .requests) ?? 0
        inputTokens = try c.decodeIfPresent(Int.self, forKey: .inputTokens) ?? 0
        outputTokens = try c.decodeIfPresent(Int.self, forKey: .outputTokens) ?? 0
        cacheCreationTokens = try c.decodeIfPresent(Int.self, forKey: .cacheCreationTokens) ?? 0
        cacheCreation1hTokens = try c.decodeIfPresent(Int.self, forKey: .cacheCreation1hTokens) ?? 0
        cacheReadTokens = try c.decodeIfPresent(Int.self, forKey: .cacheReadTokens) ?? 0
        reasoningTokens = try c.decodeIfPresent(Int.self, forKey: .reasoningTokens) ?? 0
        unknownUsageRequests = try c.decodeIfPresent(Int.self, forKey: .unknownUsageRequests) ?? 0
        failedRequests = try c.decodeIfPresent(Int.self, forKey: .failedRequests) ?? 0
        partialRequests = try c.decodeIfPresent(Int.self, forKey: .partialRequests) ?? 0
        costUSD = try c.decodeIfPresent(Double.self, forKey: .costUSD)
        costLocal = try c.decodeIfPresent(Double.self, forKey: .costLocal)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(requests, forKey: .requests)
        try c.encode(totalTokens, forKey: .totalTokens)
        try c.encode(inputTokens, forKey: .inputTokens)
        try c.encode(outputTokens, forKey: .outputTokens)
        try c.encode(cacheCreationTokens, forKey: .cacheCreationTokens)
        try c.encode(cacheCreation1hTokens, forKey: .cacheCreation1hTokens)
        try c.encode(cacheReadTokens, forKey: .cacheReadTokens)
        try c.encode(reasoningTokens, forKey: .reasoningTokens)
        try c.encode(unknownUsageRequests, forKey: .unknownUsageRequests)
        try c.encode(failedRequests, forKey: .failedRequests)
        try c.encode(partialRequests, forKey: .partialRequests)
        try c.encodeIfPresent(costUSD, forKey: .costUSD)
        try c.encodeIfPresent(costLocal, forKey: .costLocal)
    }

    mutating func add(_ counters: RollupCounters) {
        requests += counters.requests
        inputTokens += counters.inputTokens
        outputTokens += counters.outputTokens
        cacheCreationTokens += counters.cacheWriteTokens
        cacheCreation1hTokens += counters.cacheWrite1hTokens
        cacheReadTokens += counters.cacheReadTokens
        reasoningTokens += counters.reasoningTokens
        unknownUsageRequests += counters.unknownUsageRequests
        failedRequests += counters.failedRequests
        partialRequests += counters.partialRequests
    }

    mutating func addCost(_ usd: Double?, pricing: Bool) {
        guard pricing else { return }
        costUSD = (costUSD ?? 0) + (usd ?? 0)
    }

    mutating func finishCost(rate: Double?) {
        if let rate, let usd = costUSD { costLocal = usd * rate }
    }
}
