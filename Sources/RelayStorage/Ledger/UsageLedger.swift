import Foundation
import Logging
import NIOCore
import RelayCore
import ServiceLifecycle
import Synchronization

/// The durable usage ledger: takes one record per finished request without blocking, and a
/// single writer loop commits them to the store in batches (group commit).
///
/// Guarantees:
/// - `record(_:)` never blocks, never throws and never awaits: it appends to a bounded
///   in-memory queue under a `Mutex`; when the queue is full the record is dropped and
///   counted (`queue_full`).
/// - `recordDurably(_:)` returns true only after the record's transaction committed, which
///   happens within one group commit (milliseconds), so a response can hold back its final
///   byte until its record would survive `kill -9`. It gives up after
///   `Configuration.durableWaitLimit` (the record stays queued) so a slow store never stalls
///   responses for long.
/// - A failing store (down, disk full, bad path) only costs retries: each batch is tried
///   `maxAttempts` times with back-off, then dropped and counted (`store_failure`); the
///   status says unhealthy until a batch commits again.
/// - Graceful shutdown (or cancellation) drains the queue before `run()` returns. Add the
///   ledger to the `ServiceGroup` after the store and before the HTTP server, so it stops
///   after the server has finished its requests and before the store closes.
/// - Inserts are idempotent by request id, so a retried batch that had in fact committed is
///   not counted twice.
public final class UsageLedger: Service, UsageSink {
    private struct Entry: Sendable {
        var sequence: UInt64
        var record: RequestRecord
    }

    private enum Phase: String {
        case idle, running, draining, stopped
    }

    private enum WaitOutcome: Sendable, Equatable {
        case written, dropped, timedOut
    }

    private enum Admission {
        case success(UInt64)
        case failure(DropReason)
    }

    private struct Waiter {
        var sequence: UInt64
        var continuation: CheckedContinuation<WaitOutcome, Never>
        /// When `recordDurably` gives up (nil: `flush`, which waits until the end).
        var deadline: ContinuousClock.Instant?
    }

    private struct State {
        var queue = CircularBuffer<Entry>()
        var inFlight = 0
        var nextSequence: UInt64 = 1
        var completedThrough: UInt64 = 0
        var waiters: [UInt64: Waiter] = [:]
        var nextWaiterID: UInt64 = 0
        /// The deadline sweeper sleeps on its bell (no waiter with a deadline for a while).
        var sweeperParked = false
        var phase = Phase.idle
        var started = false
        var accepted = 0
        var written = 0
        var duplicates = 0
        var dropped: [DropReason: Int] = [:]
        var batches = 0
        var unconfirmedWaits = 0
        var failedAttempts = 0
        var lastError: String?
        var lastErrorAt: Date?
        var lastWriteAt: Date?
        var storeHealthy = true

        /// Appends when there is room; the drop reason otherwise.
        mutating func enqueue(_ record: RequestRecord, capacity: Int) -> Admission {
            if phase == .stopped {
                dropped[.stopped, default: 0] += 1
                return .failure(.stopped)
            }
            if queue.count + inFlight >= capacity {
                dropped[.queueFull, default: 0] += 1
                return .failure(.queueFull)
            }
            let sequence = nextSequence
            nextSequence += 1
            queue.append(Entry(sequence: sequence, record: record))
            accepted += 1
            return .success(sequence)
        }

        mutating func makeWaiterID() -> UInt64 {
            nextWaiterID += 1
            return nextWaiterID
        }
    }

    public let configuration: Configuration
    private let writer: any UsageBatchWriter
    private let logger: Logger
    private let state = Mutex(State())
    private let doorbell: AsyncStream<Void>
    private let ring: AsyncStream<Void>.Continuation
    private let sweeperBell: AsyncStream<Void>
    private let wakeSweeper: AsyncStream<Void>.Continuation

    public init(writer: any UsageBatchWriter, configuration: Configuration = .init(), logger: Logger = Logger(label: "switchyard.usage-ledger")) {
        self.writer = writer
        self.configuration = configuration
        self.logger = logger
        (doorbell, ring) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        (sweeperBell, wakeSweeper) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
    }

    // MARK: Request path

    /// Hands a finished request's record to the writer. Never blocks; drops (counted) when the
    /// queue is full or the ledger has stopped.
    public func record(_ record: RequestRecord) {
        let result = state.withLock { $0.enqueue(record, capacity: configuration.capacity) }
        afterEnqueue(result)
    }

    /// Records and waits until the record is committed (true), or dropped / not committed
    /// within `timeout` (default `Configuration.durableWaitLimit`, enforced by `run()` to
    /// within `Configuration.sweepInterval`) (false; it may still be written later). Returns
    /// false at once while the store is failing. Cancelling the caller ends the wait, not the
    /// record.
    ///
    /// Cost: one lock and one continuation per call; no task or timer of its own (a shared
    /// sweeper in `run()` expires the waits), because this runs once per relayed request.
    @discardableResult
    public func recordDurably(_ record: RequestRecord, timeout: Duration? = nil) async -> Bool {
        let deadline = ContinuousClock.now + (timeout ?? configuration.durableWaitLimit)
        let written = await enqueueAndWait(record, deadline: deadline) == .written
        if !written { state.withLock { $0.unconfirmedWaits += 1 } }
        return written
    }

    /// Waits until every record accepted before this call is committed or dropped (or the
    /// ledger has stopped). Before `run()` starts it waits for the writer. Cancelling the
    /// caller ends the wait.
    public func flush() async {
        let id = state.withLock { $0.makeWaiterID() }
        _ = await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<WaitOutcome, Never>) in
                let done = state.withLock { state -> Bool in
                    let target = state.nextSequence - 1
                    if state.completedThrough >= target || state.phase == .stopped || Task.isCancelled { return true }
                    state.waiters[id] = Waiter(sequence: target, continuation: continuation, deadline: nil)
                    return false
                }
                if done { continuation.resume(returning: .written) }
            }
        } onCancel: {
            state.withLock { $0.waiters.removeValue(forKey: id) }?.continuation.resume(returning: .timedOut)
        }
    }

    /// Counters for the status API and metrics.
    public var status: Status {
        state.withLock { state in
            Status(
                state: state.phase.rawValue, queued: state.queue.count + state.inFlight, capacity: configuration.capacity,
                accepted: state.accepted, written: state.written, duplicates: state.duplicates,
                dropped: Dictionary(uniqueKeysWithValues: state.dropped.map { ($0.key.rawValue, $0.value) }),
                batches: state.batches, unconfirmedWaits: state.unconfirmedWaits, failedAttempts: state.failedAttempts, lastError: state.lastError,
                lastErrorAt: state.lastErrorAt, lastWriteAt: state.lastWriteAt,
                isHealthy: state.storeHealthy && state.queue.count + state.inFlight < configuration.capacity
            )
        }
    }

    /// See `Status.isHealthy`.
    public var isHealthy: Bool { status.isHealthy }

    private func enqueueAndWait(_ record: RequestRecord, deadline: ContinuousClock.Instant) async -> WaitOutcome {
        let id = state.withLock { $0.makeWaiterID() }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<WaitOutcome, Never>) in
                let (result, immediate, unpark) = state.withLock { state -> (Admission, WaitOutcome?, Bool) in
                    let result = state.enqueue(record, capacity: configuration.capacity)
                    switch result {
                    case .failure:
                        return (result, .dropped, false)
                    case .success(let sequence):
                        // Enqueued even when the wait is already cancelled: the record counts.
                        // While the store is failing, nobody waits: an outage must not add
                        // `durableWaitLimit` to every response.
                        if Task.isCancelled || !state.storeHealthy { return (result, .timedOut, false) }
                        state.waiters[id] = Waiter(sequence: sequence, continuation: continuation, deadline: deadline)
                        let unpark = state.sweeperParked
                        state.sweeperParked = false
                        return (result, nil, unpark)
                    }
                }
                afterEnqueue(result)
                if unpark { wakeSweeper.yield() }
                if let immediate { continuation.resume(returning: immediate) }
            }
        } onCancel: {
            state.withLock { $0.waiters.removeValue(forKey: id) }?.continuation.resume(returning: .timedOut)
        }
    }

    private func afterEnqueue(_ result: Admission) {
        switch result {
        case .success:
            ring.yield()
        case .failure(let reason):
            let count = state.withLock { $0.dropped[reason] ?? 0 }
            // 1st, 2nd, 4th, 8th… drop: visible in the log without flooding it.
            if count & (count - 1) == 0 {
                logger.error("Usage record dropped", metadata: ["reason": .string(reason.rawValue), "dropped_total": .stringConvertible(count)])
            }
        }
    }

    // MARK: Service

    /// The writer loop. Returns after graceful shutdown (or cancellation) once the queue is
    /// empty; records arriving after that are dropped as `stopped`.
    public func run() async throws {
        let started = state.withLock { state -> Bool in
            guard !state.started else { return false }
            state.started = true
            if state.phase == .idle { state.phase = .running }
            return true
        }
        guard started else {
            logger.error("UsageLedger.run() called twice; the second call does nothing")
            return
        }
        await withGracefulShutdownHandler {
            await withTaskGroup(of: Void.self) { group in
                // On the writer's own thread when it has one (SQLite): see `UsageBatchWriter.taskExecutor`.
                group.addTask(executorPreference: writer.taskExecutor) { await self.writerLoop() }
                group.addTask { await self.sweepLoop() }
                // The writer returns once drained (or cancelled); the sweeper has no more work then.
                await group.next()
                group.cancelAll()
            }
        } onGracefulShutdown: { [self] in
            beginDraining()
        }
        stop()
    }

    /// Expires `recordDurably` waits whose deadline passed, every `sweepInterval` while any
    /// such wait exists; parks on its bell after a second without one, so an idle relay does
    /// not wake up for nothing.
    private func sweepLoop() async {
        var bell = sweeperBell.makeAsyncIterator()
        let interval = configuration.sweepInterval
        let parkAfter = max(1, Int((Duration.seconds(1) / interval).rounded(.up)))
        var idleTicks = 0
        while !Task.isCancelled {
            let now = ContinuousClock.now
            let (expired, hasDeadlines, park) = state.withLock { state -> ([CheckedContinuation<WaitOutcome, Never>], Bool, Bool) in
                var expired: [CheckedContinuation<WaitOutcome, Never>] = []
                var hasDeadlines = false
                for (id, waiter) in state.waiters {
                    guard let deadline = waiter.deadline else { continue }
                    if deadline <= now {
                        state.waiters.removeValue(forKey: id)
                        expired.append(waiter.continuation)
                    } else {
                        hasDeadlines = true
                    }
                }
                let park = !hasDeadlines && idleTicks + 1 >= parkAfter
                if park { state.sweeperParked = true }
                return (expired, hasDeadlines, park)
            }
            for continuation in expired { continuation.resume(returning: .timedOut) }
            idleTicks = hasDeadlines ? 0 : idleTicks + 1
            if park {
                idleTicks = 0
                if await bell.next() == nil { return }
            } else {
                do {
                    try await Task.sleep(for: interval)
                } catch {
                    return
                }
            }
        }
    }

    /// Asks `run()` to drain the queue and return, as graceful shutdown does. For callers
    /// outside a `ServiceGroup` (CLI tools, tests).
    public func beginDraining() {
        state.withLock { state in
            if state.phase == .running || state.phase == .idle { state.phase = .draining }
        }
        ring.yield()
    }

    private func writerLoop() async {
        var bell = doorbell.makeAsyncIterator()
        var cancelled = false
        var lastBatchSize = 0
        while true {
            cancelled = cancelled || Task.isCancelled
            if lastBatchSize > 1, configuration.linger > .zero, !cancelled {
                // Concurrent traffic: let the batch grow a little (see `Configuration.linger`).
                let wait = state.withLock { state in
                    state.phase == .running && !state.queue.isEmpty && state.queue.count < configuration.maxBatch
                }
                if wait { try? await Task.sleep(for: configuration.linger) }
            }
            let batch = state.withLock { state -> [Entry]? in
                if state.queue.isEmpty {
                    if state.phase == .draining || cancelled {
                        state.phase = .stopped
                        return nil
                    }
                    return []
                }
                let count = min(configuration.maxBatch, state.queue.count)
                var batch: [Entry] = []
                batch.reserveCapacity(count)
                for _ in 0..<count {
                    if let entry = state.queue.popFirst() { batch.append(entry) }
                }
                state.inFlight = batch.count
                return batch
            }
            guard let batch else { return }
            if batch.isEmpty {
                if await bell.next() == nil { cancelled = true }
                continue
            }
            lastBatchSize = batch.count
            let written = await write(batch)
            if !written, cancelled || Task.isCancelled {
                // Hard shutdown and the store is failing: do not spend the remaining grace
                // on batches that will fail the same way.
                dropQueued(reason: .storeFailure)
            }
        }
    }

    private func dropQueued(reason: DropReason) {
        let count = state.withLock { state -> Int in
            let count = state.queue.count
            state.queue.removeAll()
            state.dropped[reason, default: 0] += count
            return count
        }
        if count > 0 {
            logger.error("Usage records dropped at shutdown", metadata: ["count": .stringConvertible(count), "reason": .string(reason.rawValue)])
        }
    }

    /// Writes one batch with retries; true when it committed. The waiters of the batch are
    /// released from the writer's commit callback, before this task runs again.
    private func write(_ batch: [Entry]) async -> Bool {
        let records = batch.map(\.record)
        // Set by the commit callback: an attempt that timed out here but committed anyway
        // (a slow store) is complete and must not be retried or completed twice.
        let committed = Mutex(false)
        let onCommit: @Sendable (InsertOutcome) -> Void = { [self] outcome in
            let first = committed.withLock { done -> Bool in
                defer { done = true }
                return !done
            }
            if first { complete(batch, outcome: outcome) }
        }
        var attempt = 0
        var delay = configuration.retryDelay
        // While shutting down against a failing store, one try per batch keeps the drain
        // within the shutdown grace period.
        let maxAttempts = state.withLock { $0.phase != .running && !$0.storeHealthy } ? 1 : configuration.maxAttempts
        while true {
            attempt += 1
            do {
                _ = try await attemptInsert(records, onCommit: onCommit)
                return true
            } catch {
                if committed.withLock({ $0 }) { return true }
                let wasHealthy = state.withLock { state -> Bool in
                    defer {
                        state.storeHealthy = false
                        state.failedAttempts += 1
                        state.lastError = String(describing: error)
                        state.lastErrorAt = Date()
                    }
                    return state.storeHealthy
                }
                if wasHealthy {
                    logger.error("Usage store write failed; records wait in memory", metadata: [
                        "error": .string(String(describing: error)), "batch": .stringConvertible(batch.count),
                    ])
                }
                if attempt >= maxAttempts {
                    logger.error("Usage records dropped after failed writes", metadata: [
                        "count": .stringConvertible(batch.count), "attempts": .stringConvertible(attempt),
                        "error": .string(String(describing: error)),
                    ])
                    let first = committed.withLock { done -> Bool in
                        defer { done = true }
                        return !done
                    }
                    if first { complete(batch, outcome: nil) }
                    return false
                }
                try? await Task.sleep(for: delay)
                delay = min(delay * 2, configuration.maxRetryDelay)
            }
        }
    }

    /// One store call bounded by `attemptTimeout`. Once cancelled (hard shutdown) the call
    /// runs shielded from the cancellation, so the final drain still reaches the database.
    private func attemptInsert(_ records: [RequestRecord], onCommit: @escaping @Sendable (InsertOutcome) -> Void) async throws -> InsertOutcome {
        let writer = self.writer
        let limit = configuration.attemptTimeout
        if writer.taskExecutor != nil {
            // A blocking insert on the writer's own thread: nothing to race a timeout against
            // (it could not be interrupted), and no task group per batch.
            if Task.isCancelled {
                return try await shielded { try await writer.insert(records, onCommit: onCommit) }
            }
            return try await writer.insert(records, onCommit: onCommit)
        }
        if Task.isCancelled {
            return try await shielded { try await Self.insert(records, into: writer, limit: limit, onCommit: onCommit) }
        }
        return try await Self.insert(records, into: writer, limit: limit, onCommit: onCommit)
    }

    private static func insert(
        _ records: [RequestRecord], into writer: any UsageBatchWriter, limit: Duration, onCommit: @escaping @Sendable (InsertOutcome) -> Void
    ) async throws -> InsertOutcome {
        return try await withThrowingTaskGroup(of: InsertOutcome?.self) { group in
            group.addTask { try await writer.insert(records, onCommit: onCommit) }
            group.addTask {
                try await Task.sleep(for: limit)
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let outcome = first else {
                throw UsageStoreError.unavailable("store call took longer than \(limit)")
            }
            return outcome
        }
    }

    /// Records the batch's fate and wakes every waiter it settles. `outcome == nil`: dropped.
    private func complete(_ batch: [Entry], outcome: InsertOutcome?) {
        guard let low = batch.first?.sequence, let high = batch.last?.sequence else { return }
        let (settled, recovered) = state.withLock { state -> ([(CheckedContinuation<WaitOutcome, Never>, WaitOutcome)], Bool) in
            state.inFlight = 0
            state.completedThrough = high
            var recovered = false
            if let outcome {
                state.written += outcome.inserted
                state.duplicates += outcome.duplicates
                state.batches += 1
                state.lastWriteAt = Date()
                recovered = !state.storeHealthy
                state.storeHealthy = true
            } else {
                state.dropped[.storeFailure, default: 0] += batch.count
            }
            var settled: [(CheckedContinuation<WaitOutcome, Never>, WaitOutcome)] = []
            for (id, waiter) in state.waiters where waiter.sequence <= high {
                state.waiters.removeValue(forKey: id)
                let lost = outcome == nil && waiter.sequence >= low
                settled.append((waiter.continuation, lost ? .dropped : .written))
            }
            return (settled, recovered)
        }
        if recovered { logger.info("Usage store writes recovered") }
        for (continuation, result) in settled { continuation.resume(returning: result) }
    }

    private func stop() {
        let (leftover, waiters) = state.withLock { state -> (Int, [Waiter]) in
            state.phase = .stopped
            let leftover = state.queue.count
            if leftover > 0 { state.dropped[.stopped, default: 0] += leftover }
            state.queue.removeAll()
            let waiters = Array(state.waiters.values)
            state.waiters.removeAll()
            return (leftover, waiters)
        }
        if leftover > 0 {
            logger.error("Usage ledger stopped with records still queued", metadata: ["count": .stringConvertible(leftover)])
        }
        for waiter in waiters { waiter.continuation.resume(returning: .dropped) }
    }
}
