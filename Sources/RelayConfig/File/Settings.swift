public import RelayCore

/// A model rename rule (the original's `model_conversions`), applied in list order.
public struct ModelRule: Codable, Sendable, Equatable {
    public var name: String
    public var source: String
    public var target: String
    public var match: MatchKind
    public var enabled: Bool

    public enum MatchKind: String, Codable, Sendable, CaseIterable {
        case exact, prefix, glob
    }

    public init(name: String, source: String, target: String, match: MatchKind = .exact, enabled: Bool = true) {
        self.name = name
        self.source = source
        self.target = target
        self.match = match
        self.enabled = enabled
    }

    enum CodingKeys: String, CodingKey, CaseIterable { case name, source, target, match, enabled }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        try rejectUnknownKeys(decoder, CodingKeys.self)
        name = try c.decodeIfPresent(String.self, forKey: .name) ?? ""
        source = try c.decode(String.self, forKey: .source)
        target = try c.decode(String.self, forKey: .target)
        match = try c.decodeIfPresent(MatchKind.self, forKey: .match) ?? .exact
        enabled = try c.decodeIfPresent(Bool.self, forKey: .enabled) ?? true
    }
}

/// Upstream timeouts in seconds.
public struct Timeouts: Codable, Sendable, Equatable {
    /// TCP + TLS connect (and proxy handshake).
    public var connect: Double
    /// From sending the request to the upstream's response headers.
    public var firstByte: Double
    /// Longest silence between two chunks of a response body. A healthy long stream is never cut.
    public var idle: Double
    /// Whole non-streaming exchange.
    public var total: Double
    /// Per-pool overrides (`{"codex": {"idle": 600}}`); unset fields fall back to the values above.
    public var pools: [String: TimeoutOverride]
    /// Timeouts for strategy-retry nodes (策略重试), longer by default as in the original.
    public var retryNodes: TimeoutOverride

    public init(
        connect: Double = 10, firstByte: Double = 120, idle: Double = 300, total: Double = 600, pools: [String: TimeoutOverride] = [:],
        retryNodes: TimeoutOverride = TimeoutOverride(connect: 30, firstByte: 300)
    ) {
        self.connect = connect
        self.firstByte = firstByte
        self.idle = idle
        self.total = total
        self.pools = pools
        self.retryNodes = retryNodes
    }

    enum CodingKeys: String, CodingKey, CaseIterable { case connect, firstByte = "first_byte", idle, total, pools, retryNodes = "retry_nodes" }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        try rejectUnknownKeys(decoder, CodingKeys.self)
        let defaults = Timeouts()
        connect = try c.decodeIfPresent(Double.self, forKey: .connect) ?? defaults.connect
        firstByte = try c.decodeIfPresent(Double.self, forKey: .firstByte) ?? defaults.firstByte
        idle = try c.decodeIfPresent(Double.self, forKey: .idle) ?? defaults.idle
        total = try c.decodeIfPresent(Double.self, forKey: .total) ?? defaults.total
        pools = try c.decodeIfPresent([String: TimeoutOverride].self, forKey: .pools) ?? [:]
        retryNodes = try c.decodeIfPresent(TimeoutOverride.self, forKey: .retryNodes) ?? defaults.retryNodes
    }

    /// Effective timeouts with `override` applied.
    public func applying(_ override: TimeoutOverride?) -> Timeouts {
        guard let override else { return self }
        var result = self
        if let value = override.connect { result.connect = value }
        if let value = override.firstByte { result.firstByte = value }
        if let value = override.idle { result.idle = value }
        if let value = override.total { result.total = value }
        return result
    }
}

/// Timeout fields that override the global ones where set.
public struct TimeoutOverride: Codable, Sendable, Equatable {
    public var connect: Double?
    public var firstByte: Double?
    public var idle: Double?
    public var total: Double?

    public init(connect: Double? = nil, firstByte: Double? = nil, idle: Double? = nil, total: Double? = nil) {
        self.connect = connect
        self.firstByte = firstByte
        self.idle = idle
        self.total = total
    }

    enum CodingKeys: String, CodingKey, CaseIterable { case connect, firstByte = "first_byte", idle, total }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        try rejectUnknownKeys(decoder, CodingKeys.self)
        connect = try c.decodeIfPresent(Double.self, forKey: .connect)
        firstByte = try c.decodeIfPresent(Double.self, forKey: .firstByte)
        idle = try c.decodeIfPresent(Double.self, forKey: .idle)
        total = try c.decodeIfPresent(Double.self, forKey: .total)
    }
}

/// Upstream health: when a failing key rests, for how long, and how traffic returns.
public struct HealthSettings: Codable, Sendable, Equatable {
    /// Consecutive failures (5xx, network) before a key cools down.
    public var errorThreshold: Int
    /// First cooldown; each further cooldown doubles it, up to `cooldownMaxSeconds`.
    public var cooldownSeconds: Double
    public var cooldownMaxSeconds: Double
    /// While a backup serves, primaries are re-checked this often.
    public var primaryCheckInterval: Double
    /// Longest `Retry-After` honoured for a 429 cooldown.
    public var retryAfterCapSeconds: Double
    /// Short cooldown of provider+model after 529 / overloaded.
    public var overloadCooldownSeconds: Double

    public init(
        errorThreshold: Int = 3, cooldownSeconds: Double = 30, cooldownMaxSeconds: Double = 600, primaryCheckInterval: Double = 30,
        retryAfterCapSeconds: Double = 3600, overloadCooldownSeconds: Double = 5
    ) {
        self.errorThreshold = errorThreshold
        self.cooldownSeconds = cooldownSeconds
        self.cooldownMaxSeconds = cooldownMaxSeconds
        self.primaryCheckInterval = primaryCheckInterval
        self.retryAfterCapSeconds = retryAfterCapSeconds
        self.overloadCooldownSeconds = overloadCooldownSeconds
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case errorThreshold = "error_threshold", cooldownSeconds = "cooldown_seconds", cooldownMaxSeconds = "cooldown_max_seconds"
        case primaryCheckInterval = "primary_check_interval", retryAfterCapSeconds = "retry_after_cap_seconds"
        case overloadCooldownSeconds = "overload_cooldown_seconds"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        try rejectUnknownKeys(decoder, CodingKeys.self)
        let d = HealthSettings()
        errorThreshold = try c.decodeIfPresent(Int.self, forKey: .errorThreshold) ?? d.errorThreshold
        cooldownSeconds = try c.decodeIfPresent(Double.self, forKey: .cooldownSeconds) ?? d.cooldownSeconds
        cooldownMaxSeconds = try c.decodeIfPresent(Double.self, forKey: .cooldownMaxSeconds) ?? d.cooldownMaxSeconds
        primaryCheckInterval = try c.decodeIfPresent(Double.self, forKey: .primaryCheckInterval) ?? d.primaryCheckInterval
        retryAfterCapSeconds = try c.decodeIfPresent(Double.self, forKey: .retryAfterCapSeconds) ?? d.retryAfterCapSeconds
        overloadCooldownSeconds = try c.decodeIfPresent(Double.self, forKey: .overloadCooldownSeconds) ?? d.overloadCooldownSeconds
    }
}

/// Attempt limits per client request.
public struct RetrySettings: Codable, Sendable, Equatable {
    /// Upstream attempts per client request, failovers and same-upstream retries included.
    public var maxAttempts: Int
    /// Extra tries of the same upstream under the `retry` strategy.
    public var sameUpstreamRetries: Int
    /// Full-jitter exponential back-off for `retry`: base and cap, milliseconds.
    public var backoffBaseMs: Double
    public var backoffCapMs: Double
    /// Everything for one client request, attempts included, must start within this many seconds.
    public var deadlineSeconds: Double
    /// Retries in flight may be at most this fraction of first attempts in flight …
    public var budgetRatio: Double
    /// … but at least this many (so a quiet relay can always fail over).
    public var budgetMinConcurrent: Int

    public init(
        maxAttempts: Int = 3, sameUpstreamRetries: Int = 2, backoffBaseMs: Double = 500, backoffCapMs: Double = 8000,
        deadlineSeconds: Double = 600, budgetRatio: Double = 0.2, budgetMinConcurrent: Int = 3
    ) {
        self.maxAttempts = maxAttempts
        self.sameUpstreamRetries = sameUpstreamRetries
        self.backoffBaseMs = backoffBaseMs
        self.backoffCapMs = backoffCapMs
        self.deadlineSeconds = deadlineSeconds
        self.budgetRatio = budgetRatio
        self.budgetMinConcurrent = budgetMinConcurrent
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case maxAttempts = "max_attempts", sameUpstreamRetries = "same_upstream_retries", backoffBaseMs = "backoff_base_ms"
        case backoffCapMs = "backoff_cap_ms", deadlineSeconds = "deadline_seconds", budgetRatio = "budget_ratio"
        case budgetMinConcurrent = "budget_min_concurrent"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        try rejectUnknownKeys(decoder, CodingKeys.self)
        let d = RetrySettings()
        maxAttempts = try c.decodeIfPresent(Int.self, forKey: .maxAttempts) ?? d.maxAttempts
        sameUpstreamRetries = try c.decodeIfPresent(Int.self, forKey: .sameUpstreamRetries) ?? d.sameUpstreamRetries
        backoffBaseMs = try c.decodeIfPresent(Double.self, forKey: .backoffBaseMs) ?? d.backoffBaseMs
        backoffCapMs = try c.decodeIfPresent(Double.self, forKey: .backoffCapMs) ?? d.backoffCapMs
        deadlineSeconds = try c.decodeIfPresent(Double.self, forKey: .deadlineSeconds) ?? d.deadlineSeconds
        budgetRatio = try c.decodeIfPresent(Double.self, forKey: .budgetRatio) ?? d.budgetRatio
        budgetMinConcurrent = try c.decodeIfPresent(Int.self, forKey: .budgetMinConcurrent) ?? d.budgetMinConcurrent
    }
}

/// What to do after a failed attempt, per HTTP status and per network error class.
public struct ErrorStrategies: Codable, Sendable, Equatable {
    /// Keys are status codes (`"429"`) or `"default"`.
    public var httpStatus: [String: Strategy]
    /// Keys are `connect_error`, `connect_timeout`, `first_byte_timeout`, `idle_timeout`, `reset`, `default`.
    public var network: [String: Strategy]

    public static let networkClasses = ["connect_error", "connect_timeout", "first_byte_timeout", "idle_timeout", "reset", "default"]

    /// 切换重试 switch, 普通重试 retry, 策略重试 strategy, or none.
    public enum Strategy: String, Codable, Sendable, CaseIterable {
        case `switch`, retry, strategy, none
    }

    public init(httpStatus: [String: Strategy] = [:], network: [String: Strategy] = [:]) {
        self.httpStatus = httpStatus
        self.network = network
    }

    enum CodingKeys: String, CodingKey, CaseIterable { case httpStatus = "http_status", network }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        try rejectUnknownKeys(decoder, CodingKeys.self)
        httpStatus = try c.decodeIfPresent([String: Strategy].self, forKey: .httpStatus) ?? [:]
        network = try c.decodeIfPresent([String: Strategy].self, forKey: .network) ?? [:]
    }
}

struct AnyCodingKey: CodingKey {
    var stringValue: String
    var intValue: Int?
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) {
        self.stringValue = String(intValue)
        self.intValue = intValue
    }
}

/// Fails decoding on a key the schema does not know, so a typo (`wekdays`) is an error with
/// its path instead of a silently ignored setting.
func rejectUnknownKeys<Keys: CodingKey & CaseIterable>(_ decoder: any Decoder, _: Keys.Type) throws {
    let container = try decoder.container(keyedBy: AnyCodingKey.self)
    let known = Set(Keys.allCases.map(\.stringValue))
    for key in container.allKeys where !known.contains(key.stringValue) {
        throw DecodingError.dataCorrupted(
            .init(codingPath: decoder.codingPath + [key], debugDescription: "unknown key; known keys: \(known.sorted().joined(separator: ", "))")
        )
    }
}
