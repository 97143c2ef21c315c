public import RelayConfig

/// Network failure classes a strategy can be configured for.
public enum NetworkErrorClass: String, Sendable, CaseIterable {
    case connectError = "connect_error"
    case connectTimeout = "connect_timeout"
    case firstByteTimeout = "first_byte_timeout"
    case idleTimeout = "idle_timeout"
    case reset
}

/// How far a failed attempt got (RELIABILITY.md §1.7a).
public enum FailureCertainty: String, Sendable {
    /// Nothing reached the upstream: always safe to send elsewhere.
    case notSent = "not_sent"
    /// The upstream may have started (and billed) work.
    case possiblyAccepted = "possibly_accepted"
    /// The upstream answered with an error.
    case answered
}

/// One failed upstream attempt, before the commit point.
public enum AttemptFailure: Sendable, Equatable {
    case network(NetworkErrorClass)
    /// An HTTP error status, with hints read from the body.
    case status(code: Int, retryAfter: Double?, signal: ErrorSignal)
    /// An error event inside a 200 stream before its first content event.
    case inBand(type: String, retryAfter: Double?)

    public var certainty: FailureCertainty {
        switch self {
        case .network(.connectError), .network(.connectTimeout): .notSent
        case .network: .possiblyAccepted
        case .status(let code, _, _) where code == 504 || code == 524: .possiblyAccepted
        case .status, .inBand: .answered
        }
    }

    public var retryAfter: Double? {
        switch self {
        case .network: nil
        case .status(_, let retryAfter, _), .inBand(_, let retryAfter): retryAfter
        }
    }

    /// Bounded label for logs, metrics and the status API.
    public var label: String {
        switch self {
        case .network(let kind): kind.rawValue
        case .status(let code, _, let signal): signal == .none ? "status_\(code)" : "status_\(code)_\(signal.rawValue)"
        case .inBand(let type, _): "in_band_\(type)"
        }
    }
}

/// What an error body says beyond its status.
public enum ErrorSignal: String, Sendable {
    case none
    /// Credit, quota or spend limit exhausted: retrying this key will not help until a human acts.
    case quotaExhausted = "quota"
    /// Provider-wide overload (529, `overloaded_error`, `server_is_overloaded`).
    case overloaded
    /// The prompt is too long for the model: no other key will accept it either.
    case contextTooLong = "context_length"

    /// Reads the hints from an error body's text (Anthropic or OpenAI shape).
    public static func classify(_ body: String) -> ErrorSignal {
        let text = body.lowercased()
        let quota = [
            "insufficient_quota", "credit balance", "billing", "spend_limit", "enforced_spend_limit", "quota exceeded",
            "exceeded your current quota", "usage_limit_reached", "usage_not_included",
        ]
        if quota.contains(where: text.contains) { return .quotaExhausted }
        if text.contains("overloaded") || text.contains("server_is_overloaded") { return .overloaded }
        if text.contains("context_length_exceeded") || text.contains("prompt is too long") || text.contains("context window") {
            return .contextTooLong
        }
        return .none
    }
}

/// What a failure does to the health of the upstream that produced it.
public enum HealthEffect: Sendable, Equatable {
    case none
    /// Counts toward the consecutive-error threshold.
    case countFailure
    /// Cools this key now, for `Retry-After` when given (capped) or the growing default.
    case coolKey
    /// Cools provider+model briefly; the key itself is not marked bad.
    case coolProviderModel
    /// Takes the key out of service until an admin re-enables it; survives restarts.
    case disable(reason: String)
}

/// The strategy and health effect for one failure.
public struct FailureDecision: Sendable, Equatable {
    public var strategy: ErrorStrategies.Strategy
    public var effect: HealthEffect
}

/// Maps failures to strategies: the configured ones first (a status code, then `default`),
/// else RELIABILITY.md's status → action table. Health effects always follow the table.
public struct ErrorPolicy: Sendable {
    public let configured: ErrorStrategies

    public init(_ configured: ErrorStrategies) {
        self.configured = configured
    }

    public func decide(_ failure: AttemptFailure) -> FailureDecision {
        let builtIn = Self.builtIn(failure)
        var strategy = builtIn.strategy
        switch failure {
        case .status(let code, _, _):
            if let chosen = configured.httpStatus[String(code)] ?? configured.httpStatus["default"] { strategy = chosen }
        case .network(let kind):
            if let chosen = configured.network[kind.rawValue] ?? configured.network["default"] { strategy = chosen }
        case .inBand:
            break
        }
        return FailureDecision(strategy: strategy, effect: builtIn.effect)
    }

    /// RELIABILITY.md §1.7b.
    static func builtIn(_ failure: AttemptFailure) -> FailureDecision {
        switch failure {
        case .network:
            return FailureDecision(strategy: .switch, effect: .countFailure)
        case .inBand(let type, _):
            switch type {
            case "overloaded_error", "server_is_overloaded", "slow_down": return FailureDecision(strategy: .switch, effect: .coolProviderModel)
            case "rate_limit_error", "rate_limit_exceeded": return FailureDecision(strategy: .switch, effect: .coolKey)
            case "invalid_request_error", "context_length_exceeded", "invalid_prompt": return FailureDecision(strategy: .none, effect: .none)
            default: return FailureDecision(strategy: .switch, effect: .countFailure)
            }
        case .status(let code, _, let signal):
            if signal == .quotaExhausted { return FailureDecision(strategy: .switch, effect: .disable(reason: "quota or credit exhausted (\(code))")) }
            if signal == .contextTooLong { return FailureDecision(strategy: .none, effect: .none) }
            switch code {
            case 401, 403: return FailureDecision(strategy: .switch, effect: .disable(reason: "rejected the key (\(code))"))
            case 402: return FailureDecision(strategy: .switch, effect: .disable(reason: "billing (402)"))
            case 429: return FailureDecision(strategy: .switch, effect: .coolKey)
            case 529: return FailureDecision(strategy: .switch, effect: .coolProviderModel)
            case 503 where signal == .overloaded: return FailureDecision(strategy: .switch, effect: .coolProviderModel)
            case 404, 408, 409: return FailureDecision(strategy: .switch, effect: .countFailure)
            case 400, 413, 422: return FailureDecision(strategy: .none, effect: .none)
            case 500...599: return FailureDecision(strategy: .switch, effect: .countFailure)
            default: return FailureDecision(strategy: .none, effect: .none)
            }
        }
    }
}
