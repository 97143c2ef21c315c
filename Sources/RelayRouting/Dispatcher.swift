public import RelayConfig

/// One attempt handed to the transport.
public struct AttemptContext: Sendable {
    public var target: UpstreamTarget
    /// 1-based across the whole client request.
    public var number: Int
    /// True when the target is a strategy-retry node (use its longer timeouts).
    public var isRetryNode: Bool
}

/// What the transport reports for one attempt, before the commit point.
public enum AttemptResult<Success: Sendable>: Sendable {
    case success(Success)
    case failure(AttemptFailure)
    /// The client went away; stop without blaming the upstream.
    case cancelled
}

/// One line of the explainable routing trail.
public struct TrailStep: Sendable, Equatable, Codable {
    public var upstream: String
    public var outcome: String
    public var next: String?
}

/// The result of the attempt loop for one client request.
public enum DispatchOutcome<Success: Sendable>: Sendable {
    case success(Success, target: UpstreamTarget, attempts: Int, trail: [TrailStep])
    /// Every allowed attempt failed; `last` decides what the client is told.
    case failed(last: AttemptFailure?, attempts: Int, trail: [TrailStep], retryAfter: Double?)
    case cancelled(attempts: Int, trail: [TrailStep])
}

/// The attempt loop (RELIABILITY.md §1.7d): per failure, the configured strategy —
/// `switch` to the next candidate at once, `retry` the same one after full-jitter back-off
/// (honouring `Retry-After` up to the cap), `strategy` to the next retry node, `none` to stop.
/// A candidate is never tried twice in one request except under `retry`; attempts are capped per
/// request and by deadline, and retries draw on a global budget.
public struct Dispatcher: Sendable {
    public let health: HealthBook
    public let budget: RetryBudget

    public init(health: HealthBook, budget: RetryBudget) {
        self.health = health
        self.budget = budget
    }

    public func run<Success: Sendable>(
        plan: CandidatePlanner.Plan, retryNodes: [UpstreamTarget], policy: ErrorPolicy, health settings: HealthSettings,
        retry: RetrySettings, model: String?, poolState: PoolState,
        sleep: @Sendable (Double) async throws -> Void,
        attempt: @Sendable (AttemptContext) async -> AttemptResult<Success>
    ) async -> DispatchOutcome<Success> {
        budget.beginRequest()
        defer { budget.endRequest() }
        let clock = health.clock
        let deadline = clock.seconds() + retry.deadlineSeconds
        var claimed = plan.claimedProbes
        defer { for key in claimed { health.releaseProbe(key) } }

        var trail: [TrailStep] = []
        var tried: Set<String> = []
        var queue = plan.ordered
        var lastResort = plan.lastResort
        var nodeQueue = retryNodes.filter(\.enabled)
        guard !queue.isEmpty else { return .failed(last: nil, attempts: 0, trail: [], retryAfter: nil) }
        var current = queue.removeFirst()
        var currentIsNode = false
        var sameRetries = 0
        var attempts = 0
        var last: AttemptFailure?

        while true {
            if attempts > 0 {
                guard attempts < retry.maxAttempts else { break }
                guard clock.seconds() < deadline else {
                    trail.append(TrailStep(upstream: current.name, outcome: "skipped", next: "deadline reached"))
                    break
                }
                guard budget.tryBeginRetry(ratio: retry.budgetRatio, minimum: retry.budgetMinConcurrent) else {
                    trail.append(TrailStep(upstream: current.name, outcome: "skipped", next: "global retry budget exhausted"))
                    break
                }
            }
            attempts += 1
            tried.insert(current.healthKey)
            let result = await attempt(AttemptContext(target: current, number: attempts, isRetryNode: currentIsNode))
            if attempts > 1 { budget.endRetry() }
            claimed.remove(current.healthKey)

            let failure: AttemptFailure
            switch result {
            case .success(let value):
                health.recordSuccess(current.healthKey)
                if !currentIsNode { poolState.served(by: current.role, now: clock.seconds()) }
                trail.append(TrailStep(upstream: current.name, outcome: "ok", next: nil))
                return .success(value, target: current, attempts: attempts, trail: trail)
            case .cancelled:
                health.releaseProbe(current.healthKey)
                trail.append(TrailStep(upstream: current.name, outcome: "client_cancelled", next: nil))
                return .cancelled(attempts: attempts, trail: trail)
            case .failure(let reported):
                failure = reported
            }
            last = failure
            let decision = policy.decide(failure)
            health.recordFailure(
                current.healthKey, effect: decision.effect, label: failure.label, retryAfter: failure.retryAfter, settings: settings,
                overloadScope: CandidatePlanner.overloadScope(target: current, model: model))

            var strategy = decision.strategy
            if strategy == .retry {
                if sameRetries < retry.sameUpstreamRetries, attempts < retry.maxAttempts {
                    let wait = backoff(retries: sameRetries, retryAfter: failure.retryAfter, retry: retry)
                    if let wait, clock.seconds() + wait < deadline {
                        trail.append(TrailStep(upstream: current.name, outcome: failure.label, next: "retry same upstream in \(Int(wait * 1000)) ms"))
                        sameRetries += 1
                        do {
                            try await sleep(wait)
                        } catch {
                            return .cancelled(attempts: attempts, trail: trail)
                        }
                        continue
                    }
                }
                strategy = .switch
            }
            if strategy == .strategy {
                if let node = nodeQueue.first(where: { !tried.contains($0.healthKey) }) {
                    nodeQueue.removeAll { $0.healthKey == node.healthKey }
                    trail.append(TrailStep(upstream: current.name, outcome: failure.label, next: "strategy retry node \(node.name)"))
                    current = node
                    currentIsNode = true
                    sameRetries = 0
                    continue
                }
                strategy = .switch
            }
            if strategy == .switch {
                queue.removeAll { tried.contains($0.healthKey) }
                if queue.isEmpty, let resting = lastResort.first(where: { !tried.contains($0.healthKey) }) {
                    // Every eligible candidate failed: a key resting after a transient error beats an error.
                    lastResort.removeAll { $0.healthKey == resting.healthKey }
                    queue = [resting]
                }
                if !queue.isEmpty {
                    let next = queue.removeFirst()
                    trail.append(TrailStep(upstream: current.name, outcome: failure.label, next: "switch to \(next.name)"))
                    current = next
                    currentIsNode = false
                    sameRetries = 0
                    continue
                }
                trail.append(TrailStep(upstream: current.name, outcome: failure.label, next: "no other upstream left"))
                break
            }
            trail.append(TrailStep(upstream: current.name, outcome: failure.label, next: "returned to the client (strategy none)"))
            break
        }
        return .failed(last: last, attempts: attempts, trail: trail, retryAfter: last?.retryAfter ?? plan.earliestCooldownEnd.map { max(1, $0 - clock.seconds()) })
    }

    /// Seconds to wait before retrying the same upstream: `Retry-After` when given and within the
    /// cap (nil when it is longer: the client should wait instead), else full jitter.
    func backoff(retries: Int, retryAfter: Double?, retry: RetrySettings) -> Double? {
        let cap = retry.backoffCapMs / 1000
        if let retryAfter {
            return retryAfter <= cap ? retryAfter : nil
        }
        let ceiling = min(cap, retry.backoffBaseMs / 1000 * pow2(retries))
        return Double.random(in: 0...max(0, ceiling))
    }

    private func pow2(_ exponent: Int) -> Double {
        var value = 1.0
        for _ in 0..<max(0, exponent) { value *= 2 }
        return value
    }
}
