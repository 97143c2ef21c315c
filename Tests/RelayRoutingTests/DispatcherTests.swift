import Foundation
import RelayConfig
import Synchronization
import Testing

@testable import RelayRouting

@Suite struct DispatcherTests {
    let health = HealthSettings(errorThreshold: 3, cooldownSeconds: 2, cooldownMaxSeconds: 16)

    func setup(_ names: [String], roles: [UpstreamRole]? = nil, nodes: [String] = []) throws -> (pool: [UpstreamTarget], nodes: [UpstreamTarget]) {
        let entries = names.enumerated().map { index, name in
            UpstreamEntry(name: name, baseURL: "https://\(name).example", key: "key-\(name)", role: roles?[index] ?? .primary)
        }
        return try targets(entries, retryNodes: nodes.map { UpstreamEntry(name: $0, baseURL: "https://\($0).example", key: "key-\($0)") })
    }

    /// Runs the loop with scripted outcomes per upstream name (consumed in order) and records the attempts.
    func run(
        _ pool: [UpstreamTarget], nodes: [UpstreamTarget] = [], book: HealthBook, strategies: ErrorStrategies = .init(),
        retry: RetrySettings = .init(backoffBaseMs: 0, backoffCapMs: 5000), script: [String: [AttemptResult<String>]]
    ) async -> (DispatchOutcome<String>, [String], [Double]) {
        let plan = CandidatePlanner.plan(pool: pool, at: Date(), timeZone: utc(), model: "m", health: book, poolState: PoolState(), settings: health)
        let calls = Mutex<[String]>([])
        let sleeps = Mutex<[Double]>([])
        let remaining = Mutex(script)
        let outcome = await Dispatcher(health: book, budget: RetryBudget()).run(
            plan: plan, retryNodes: nodes, policy: ErrorPolicy(strategies), health: health, retry: retry, model: "m", poolState: PoolState(),
            sleep: { seconds in sleeps.withLock { $0.append(seconds) } },
            attempt: { context in
                calls.withLock { $0.append(context.target.name) }
                return remaining.withLock { script in
                    guard var list = script[context.target.name], !list.isEmpty else { return .success(context.target.name) }
                    let next = list.removeFirst()
                    script[context.target.name] = list
                    return next
                }
            })
        return (outcome, calls.withLock { $0 }, sleeps.withLock { $0 })
    }

    @Test func switchesPastRefusedAnd500WithoutDelay() async throws {
        let (pool, _) = try setup(["a", "b", "c"])
        let book = HealthBook(clock: ManualClock())
        let (outcome, calls, sleeps) = await run(pool, book: book, script: ["a": [.failure(.network(.connectError))], "b": [.failure(.status(code: 500, retryAfter: nil, signal: .none))]])
        guard case .success(let served, _, let attempts, let trail) = outcome else { Issue.record("expected success"); return }
        #expect(served == "c")
        #expect(attempts == 3)
        #expect(calls == ["a", "b", "c"])
        #expect(sleeps.isEmpty, "failover has no delay")
        #expect(trail.map(\.next) == ["switch to b", "switch to c", nil])
    }

    @Test func badRequestIsNeverRetried() async throws {
        let (pool, _) = try setup(["a", "b"])
        let (outcome, calls, _) = await run(pool, book: HealthBook(clock: ManualClock()), script: ["a": [.failure(.status(code: 400, retryAfter: nil, signal: .none))]])
        guard case .failed(let last, _, _, _) = outcome else { Issue.record("expected failure"); return }
        #expect(last == .status(code: 400, retryAfter: nil, signal: .none))
        #expect(calls == ["a"])
    }

    @Test func rateLimitCoolsThatKeyAndAuthDisablesIt() async throws {
        let (pool, _) = try setup(["a", "b", "c"])
        let book = HealthBook(clock: ManualClock())
        _ = await run(pool, book: book, script: [
            "a": [.failure(.status(code: 429, retryAfter: 7, signal: .none))],
            "b": [.failure(.status(code: 401, retryAfter: nil, signal: .none))],
        ])
        #expect(book.availability(of: pool[0].healthKey) == .cooling(until: 1007))
        #expect(book.availability(of: pool[1].healthKey) == .disabled(reason: "rejected the key (401)"))
        #expect(book.availability(of: pool[2].healthKey) == .available)
        // The next request goes straight to c.
        let (_, calls, _) = await run(pool, book: book, script: [:])
        #expect(calls == ["c"])
    }

    @Test func retryStrategyBacksOffOnTheSameUpstreamHonouringRetryAfter() async throws {
        let (pool, _) = try setup(["a", "b"])
        let strategies = ErrorStrategies(httpStatus: ["503": .retry])
        let (outcome, calls, sleeps) = await run(pool, book: HealthBook(clock: ManualClock()), strategies: strategies, script: [
            "a": [.failure(.status(code: 503, retryAfter: 1.5, signal: .none)), .failure(.status(code: 503, retryAfter: nil, signal: .none))]
        ])
        guard case .success(let served, _, _, _) = outcome else { Issue.record("expected success"); return }
        #expect(served == "a")
        #expect(calls == ["a", "a", "a"])
        #expect(sleeps.count == 2)
        #expect(sleeps.first == 1.5)
        #expect((sleeps.last ?? -1) >= 0 && (sleeps.last ?? 99) <= 1.0, "full jitter within base × 2")
    }

    @Test func strategyGoesToRetryNodesInOrder() async throws {
        let (pool, nodes) = try setup(["a", "b"], nodes: ["n1", "n2"])
        let strategies = ErrorStrategies(httpStatus: ["500": .strategy])
        let (outcome, calls, _) = await run(pool, nodes: nodes, book: HealthBook(clock: ManualClock()), strategies: strategies, script: [
            "a": [.failure(.status(code: 500, retryAfter: nil, signal: .none))],
            "n1": [.failure(.status(code: 500, retryAfter: nil, signal: .none))],
        ])
        guard case .success(let served, _, _, _) = outcome else { Issue.record("expected success"); return }
        #expect(served == "n2")
        #expect(calls == ["a", "n1", "n2"])
    }

    @Test func configuredDefaultReallyApplies() async throws {
        let (pool, _) = try setup(["a", "b"])
        let strategies = ErrorStrategies(httpStatus: ["default": ErrorStrategies.Strategy.none])
        let (_, calls, _) = await run(pool, book: HealthBook(clock: ManualClock()), strategies: strategies, script: ["a": [.failure(.status(code: 502, retryAfter: nil, signal: .none))]])
        #expect(calls == ["a"], "default none: 502 is returned, not failed over")
    }

    @Test func attemptCapStopsTheLoop() async throws {
        let (pool, _) = try setup(["a", "b", "c", "d"])
        let failing: AttemptResult<String> = .failure(.network(.reset))
        let (outcome, calls, _) = await run(pool, book: HealthBook(clock: ManualClock()), script: ["a": [failing], "b": [failing], "c": [failing]])
        guard case .failed(_, let attempts, _, _) = outcome else { Issue.record("expected failure"); return }
        #expect(attempts == 3)
        #expect(calls == ["a", "b", "c"])
    }

    @Test func neverEjectsEveryCandidateForTransientErrors() async throws {
        let (pool, _) = try setup(["a", "b"])
        let clock = ManualClock()
        let book = HealthBook(clock: clock)
        book.recordFailure(pool[0].healthKey, effect: .coolKey, label: "status_429", retryAfter: 30, settings: health)
        clock.advance(1)
        book.recordFailure(pool[1].healthKey, effect: .coolKey, label: "status_429", retryAfter: 30, settings: health)
        let plan = CandidatePlanner.plan(pool: pool, at: Date(), timeZone: utc(), model: nil, health: book, poolState: PoolState(), settings: health)
        #expect(plan.ordered.map(\.name) == ["a"], "the least recently failed stays eligible")
        book.recordFailure(pool[0].healthKey, effect: .disable(reason: "401"), label: "status_401", retryAfter: nil, settings: health)
        book.recordFailure(pool[1].healthKey, effect: .disable(reason: "401"), label: "status_401", retryAfter: nil, settings: health)
        let none = CandidatePlanner.plan(pool: pool, at: Date(), timeZone: utc(), model: nil, health: book, poolState: PoolState(), settings: health)
        #expect(none.ordered.isEmpty, "disabled keys are not brought back")
    }

    @Test func backupModeRechecksPrimariesOnlyAtTheInterval() throws {
        let (pool, _) = try setup(["primary", "backup"], roles: [.primary, .backup])
        let clock = ManualClock()
        let book = HealthBook(clock: clock)
        let state = PoolState()
        let settings = HealthSettings(errorThreshold: 1, cooldownSeconds: 2, cooldownMaxSeconds: 2, primaryCheckInterval: 30)
        book.recordFailure(pool[0].healthKey, effect: .countFailure, label: "status_500", retryAfter: nil, settings: settings, jitter: 1)
        state.served(by: .backup, now: clock.seconds())
        clock.advance(5)  // cooldown over, but the re-check interval has not passed
        var plan = CandidatePlanner.plan(pool: pool, at: Date(), timeZone: utc(), model: nil, health: book, poolState: state, settings: settings)
        #expect(plan.ordered.map(\.name) == ["backup"])
        clock.advance(30)
        plan = CandidatePlanner.plan(pool: pool, at: Date(), timeZone: utc(), model: nil, health: book, poolState: state, settings: settings)
        #expect(plan.ordered.map(\.name) == ["primary", "backup"], "one probe of the primary")
        book.recordSuccess(pool[0].healthKey)
        state.served(by: .primary, now: clock.seconds())
        #expect(!state.usingBackup)
    }

    @Test func retryBudgetLimitsRetriesInFlight() {
        let budget = RetryBudget()
        for _ in 0..<10 { budget.beginRequest() }
        #expect(budget.tryBeginRetry(ratio: 0.2, minimum: 1))
        #expect(budget.tryBeginRetry(ratio: 0.2, minimum: 1))
        #expect(!budget.tryBeginRetry(ratio: 0.2, minimum: 1), "2 of 10 in flight already")
        #expect(budget.refusedRetries == 1)
    }

    @Test func policyTable() {
        let policy = ErrorPolicy(ErrorStrategies())
        #expect(policy.decide(.status(code: 529, retryAfter: nil, signal: .none)) == FailureDecision(strategy: .switch, effect: .coolProviderModel))
        #expect(policy.decide(.status(code: 429, retryAfter: nil, signal: .quotaExhausted)).effect == .disable(reason: "quota or credit exhausted (429)"))
        #expect(policy.decide(.status(code: 400, retryAfter: nil, signal: .contextTooLong)).strategy == ErrorStrategies.Strategy.none)
        #expect(policy.decide(.inBand(type: "overloaded_error", retryAfter: nil)).effect == .coolProviderModel)
        #expect(AttemptFailure.network(.connectError).certainty == .notSent)
        #expect(AttemptFailure.network(.firstByteTimeout).certainty == .possiblyAccepted)
        #expect(AttemptFailure.status(code: 524, retryAfter: nil, signal: .none).certainty == .possiblyAccepted)
        #expect(ErrorSignal.classify(#"{"type":"error","error":{"type":"invalid_request_error","message":"Your credit balance is too low"}}"#) == .quotaExhausted)
    }
}

@Suite struct LastResortTests {
    @Test func aRestingKeyIsTriedWhenEveryEligibleOneFailed() async throws {
        let (pool, _) = try targets([
            UpstreamEntry(name: "a", baseURL: "https://a.example", key: "key-a"),
            UpstreamEntry(name: "b", baseURL: "https://b.example", key: "key-b"),
        ])
        let settings = HealthSettings(errorThreshold: 1, cooldownSeconds: 30, cooldownMaxSeconds: 30)
        let book = HealthBook(clock: ManualClock())
        book.recordFailure(pool[0].healthKey, effect: .countFailure, label: "status_500", retryAfter: nil, settings: settings, jitter: 1)
        let plan = CandidatePlanner.plan(pool: pool, at: Date(), timeZone: utc(), model: nil, health: book, poolState: PoolState(), settings: settings)
        #expect(plan.ordered.map(\.name) == ["b"])
        #expect(plan.lastResort.map(\.name) == ["a"])
        let calls = Mutex<[String]>([])
        let outcome = await Dispatcher(health: book, budget: RetryBudget()).run(
            plan: plan, retryNodes: [], policy: ErrorPolicy(ErrorStrategies()), health: settings, retry: RetrySettings(), model: nil,
            poolState: PoolState(), sleep: { _ in },
            attempt: { context in
                calls.withLock { $0.append(context.target.name) }
                return context.target.name == "b" ? .failure(.status(code: 500, retryAfter: nil, signal: .none)) : .success("served by \(context.target.name)")
            })
        guard case .success(let value, _, _, _) = outcome else { Issue.record("expected success"); return }
        #expect(value == "served by a")
        #expect(calls.withLock { $0 } == ["b", "a"])
    }
}
