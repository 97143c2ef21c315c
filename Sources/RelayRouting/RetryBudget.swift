import Synchronization

/// Limits retries relative to first attempts in flight (Envoy's retry budget), so a total outage
/// does not multiply the load on upstreams: retries in flight ≤ max(minimum, ratio × requests).
public final class RetryBudget: Sendable {
    private struct Counts {
        var requests = 0
        var retries = 0
        var refused = 0
    }

    private let counts = Mutex(Counts())

    public init() {}

    public func beginRequest() { counts.withLock { $0.requests += 1 } }
    public func endRequest() { counts.withLock { $0.requests -= 1 } }

    /// Takes a retry slot if the budget allows; pair with `endRetry()`.
    public func tryBeginRetry(ratio: Double, minimum: Int) -> Bool {
        counts.withLock { counts in
            let allowed = max(minimum, Int((ratio * Double(counts.requests)).rounded(.down)))
            guard counts.retries < allowed else {
                counts.refused += 1
                return false
            }
            counts.retries += 1
            return true
        }
    }

    public func endRetry() { counts.withLock { $0.retries -= 1 } }

    /// Retries refused by the budget since start (for status and metrics).
    public var refusedRetries: Int { counts.withLock { $0.refused } }
}
