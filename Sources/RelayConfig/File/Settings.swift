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

    public init(connect: Double = 10, firstByte: Double = 120, idle: Double = 300, total: Double = 600) {
        self.connect = connect
        self.firstByte = firstByte
        self.idle = idle
        self.total = total
    }

    enum CodingKeys: String, CodingKey, CaseIterable { case connect, firstByte = "first_byte", idle, total }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        try rejectUnknownKeys(decoder, CodingKeys.self)
        let defaults = Timeouts()
        connect = try c.decodeIfPresent(Double.self, forKey: .connect) ?? defaults.connect
        firstByte = try c.decodeIfPresent(Double.self, forKey: .firstByte) ?? defaults.firstByte
        idle = try c.decodeIfPresent(Double.self, forKey: .idle) ?? defaults.idle
        total = try c.decodeIfPresent(Double.self, forKey: .total) ?? defaults.total
    }
}

/// Upstream health tracking (consumed by the resilience layer).
public struct HealthSettings: Codable, Sendable, Equatable {
    public var errorThreshold: Int
    public var cooldownSeconds: Double
    public var primaryCheckInterval: Double

    public init(errorThreshold: Int = 3, cooldownSeconds: Double = 600, primaryCheckInterval: Double = 30) {
        self.errorThreshold = errorThreshold
        self.cooldownSeconds = cooldownSeconds
        self.primaryCheckInterval = primaryCheckInterval
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case errorThreshold = "error_threshold", cooldownSeconds = "cooldown_seconds"
        case primaryCheckInterval = "primary_check_interval"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        try rejectUnknownKeys(decoder, CodingKeys.self)
        let defaults = HealthSettings()
        errorThreshold = try c.decodeIfPresent(Int.self, forKey: .errorThreshold) ?? defaults.errorThreshold
        cooldownSeconds = try c.decodeIfPresent(Double.self, forKey: .cooldownSeconds) ?? defaults.cooldownSeconds
        primaryCheckInterval = try c.decodeIfPresent(Double.self, forKey: .primaryCheckInterval) ?? defaults.primaryCheckInterval
    }
}

/// Attempt limits per client request (consumed by the resilience layer).
public struct RetrySettings: Codable, Sendable, Equatable {
    public var maxAttempts: Int

    public init(maxAttempts: Int = 3) { self.maxAttempts = maxAttempts }

    enum CodingKeys: String, CodingKey, CaseIterable { case maxAttempts = "max_attempts" }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        try rejectUnknownKeys(decoder, CodingKeys.self)
        maxAttempts = try c.decodeIfPresent(Int.self, forKey: .maxAttempts) ?? 3
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
