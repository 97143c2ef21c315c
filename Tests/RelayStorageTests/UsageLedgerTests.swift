import Foundation
import RelayCore
import RelayStorage
import Synchronization
import Testing

/// A writer that fails its first `failures` calls, optionally sleeps, and remembers rows.
final class ScriptedWriter: UsageBatchWriter {
    private let state: Mutex<(failuresLeft: Int, rows: Set<String>, calls: Int)>
    let delay: Duration

    init(failures: Int = 0, delay: Duration = .zero) {
        state = Mutex((failures, [], 0))
        self.delay = delay
    }

    var calls: Int { state.withLock { $0.calls } }
    var rows: Set<String> { state.withLock { $0.rows } }

    func insert(_ records: [RequestRecord]) async throws -> InsertOutcome {
        if delay > .zero { try? await Task.sleep(for: delay) }
        return try state.withLock { state in
            state.calls += 1
            if state.failuresLeft > 0 {
                state.failuresLeft -= 1
                throw UsageStoreError.unavailable("scripted failure")
            }
            var inserted = 0
            for record in records where state.rows.insert(record.requestID).inserted { inserted += 1 }
            return InsertOutcome(inserted: inserted, duplicates: records.count - inserted)
        }
    }
}

@Suite("UsageLedger")
struct UsageLedgerTests {
    static let fast = UsageLedger.Configuration(maxAttempts: 3, retryDelay: .milliseconds(1), maxRetryDelay: .milliseconds(2))

    @Test("A full queue drops and counts; the queued records are written later")
    func queueFull() async throws {
        let writer = ScriptedWriter()
        var configuration = Self.fast
        configuration.capacity = 10
        let ledger = UsageLedger(writer: writer, configuration: configuration)
        for index in 0..<15 { ledger.record(Records.make("q\(index)")) }
        #expect(ledger.status.queued == 10)
        #expect(ledger.status.dropped(.queueFull) == 5)
        #expect(!ledger.isHealthy)
        try await withLedger(ledger) {
            await ledger.flush()
        }
        #expect(ledger.status.written == 10)
        #expect(writer.rows.count == 10)
        #expect(ledger.status.state == "stopped")
    }

    @Test("Failed batches are retried, then dropped and counted; the relay side never blocks")
    func storeDown() async throws {
        let fixture = try StoreFixture(.sqlite)
        defer { fixture.cleanUp() }
        // The parent of the database path is a regular file: every open fails.
        let blocker = fixture.directory.appendingPathComponent("not-a-dir")
        try Data("x".utf8).write(to: blocker)
        let store = try UsageStore(.sqlite(path: blocker.appendingPathComponent("usage.sqlite").path))
        let ledger = UsageLedger(writer: store, configuration: Self.fast)
        try await withLedger(ledger) {
            for index in 0..<5 { ledger.record(Records.make("d\(index)")) }
            // With an hour-long limit, returning at all shows a failing store is reported at once.
            #expect(await ledger.recordDurably(Records.make("durable"), timeout: .seconds(3600)) == false)
            await ledger.flush()
        }
        let status = ledger.status
        #expect(status.dropped(.storeFailure) == 6)
        #expect(status.written == 0)
        #expect(status.isHealthy == false)
        #expect(status.lastError != nil)
        #expect(status.failedAttempts >= 3)
        ledger.record(Records.make("after-stop"))
        #expect(ledger.status.dropped(.stopped) == 1)
    }

    @Test("SQLite writer: a path that cannot be opened fails; once it can, the same store writes again")
    func sqliteWriterReopens() async throws {
        let fixture = try StoreFixture(.sqlite)
        defer { fixture.cleanUp() }
        let parent = fixture.directory.appendingPathComponent("later")
        try Data("x".utf8).write(to: parent)  // a file where the directory should be
        let store = try UsageStore(.sqlite(path: parent.appendingPathComponent("usage.sqlite").path))
        await #expect(throws: (any Error).self) { try await store.insert([Records.make("early")]) }
        try FileManager.default.removeItem(at: parent)
        let outcome = try await store.insert([Records.make("r1"), Records.make("r2"), Records.make("r1")])
        #expect(outcome == InsertOutcome(inserted: 2, duplicates: 1))
        let again = try await store.insert([Records.make("r2"), Records.make("r3")])
        #expect(again == InsertOutcome(inserted: 1, duplicates: 1), "prepared statements reused across batches")
        #expect(try await store.requestCount() == 3)
        await store.close()
        await #expect(throws: UsageStoreError.closed) { try await store.insert([Records.make("late")]) }
    }

    @Test("A closed store: writes fail, drops are counted")
    func closedStore() async throws {
        let fixture = try StoreFixture(.sqlite)
        defer { fixture.cleanUp() }
        let store = try UsageStore(fixture.configuration)
        try await store.insert([Records.make("before")])
        await store.close()
        await #expect(throws: UsageStoreError.closed) { try await store.requestCount() }
        let ledger = UsageLedger(writer: store, configuration: Self.fast)
        try await withLedger(ledger) {
            ledger.record(Records.make("lost"))
            await ledger.flush()
        }
        #expect(ledger.status.dropped(.storeFailure) == 1)
        #expect(ledger.status.lastError == String(describing: UsageStoreError.closed))
    }

    @Test("A flaky store: retries succeed, health recovers, nothing is lost")
    func flakyStore() async throws {
        let writer = ScriptedWriter(failures: 2)
        let ledger = UsageLedger(writer: writer, configuration: Self.fast)
        try await withLedger(ledger) {
            #expect(await ledger.recordDurably(Records.make("f0"), timeout: .seconds(5)))
            for index in 1..<50 { ledger.record(Records.make("f\(index)")) }
            await ledger.flush()
        }
        #expect(writer.rows.count == 50)
        #expect(ledger.status.failedAttempts == 2)
        #expect(ledger.status.droppedTotal == 0)
        #expect(ledger.isHealthy)
    }

    @Test("recordDurably gives up after its limit; the record is still written")
    func durableTimeout() async throws {
        let writer = ScriptedWriter(delay: .seconds(2))
        let ledger = UsageLedger(writer: writer, configuration: Self.fast)
        try await withLedger(ledger) {
            #expect(await ledger.recordDurably(Records.make("slow"), timeout: .milliseconds(30)) == false)
            #expect(writer.rows.isEmpty, "gave up before the slow write finished")
            await ledger.flush()
        }
        #expect(writer.rows == ["slow"])
        #expect(ledger.status.written == 1)
    }

    @Test("Graceful drain writes everything queued; later records count as stopped")
    func drain() async throws {
        let writer = ScriptedWriter(delay: .milliseconds(2))
        var configuration = Self.fast
        configuration.maxBatch = 64
        let ledger = UsageLedger(writer: writer, configuration: configuration)
        try await withLedger(ledger) {
            for index in 0..<1000 { ledger.record(Records.make("g\(index)")) }
        }
        #expect(writer.rows.count == 1000)
        #expect(writer.calls < 1000)
        ledger.record(Records.make("late"))
        #expect(ledger.status.dropped(.stopped) == 1)
        await ledger.flush()  // returns at once once stopped
    }

    @Test("Hard shutdown against a failing store ends quickly and counts every record")
    func cancellationWithFailingStore() async throws {
        let writer = ScriptedWriter(failures: .max)
        var configuration = UsageLedger.Configuration(maxAttempts: 5, retryDelay: .milliseconds(200))
        configuration.maxBatch = 10
        let ledger = UsageLedger(writer: writer, configuration: configuration)
        let runner = Task { try await ledger.run() }
        for index in 0..<1000 { ledger.record(Records.make("x\(index)")) }
        try await Task.sleep(for: .milliseconds(20))
        runner.cancel()
        try await runner.value
        #expect(ledger.status.dropped(.storeFailure) == 1000)
        #expect(writer.calls < 20)
    }

    @Test("Cancellation also drains the queue")
    func cancellationDrains() async throws {
        let fixture = try StoreFixture(.sqlite)
        defer { fixture.cleanUp() }
        let store = try UsageStore(fixture.configuration)
        let ledger = UsageLedger(writer: store, configuration: Self.fast)
        let runner = Task { try await ledger.run() }
        for index in 0..<300 { ledger.record(Records.make("c\(index)")) }
        runner.cancel()
        try await runner.value
        #expect(ledger.status.written + ledger.status.duplicates == 300)
        let reopened = try fixture.openAnother()
        #expect(try await reopened.requestCount() == 300)
        await reopened.close()
        await store.close()
    }
}

@Suite("UsageLedger on a real store")
struct LedgerDurabilityTests {
    @Test("After recordDurably returns true, a new connection sees the row", arguments: TestBackend.all)
    func durableBeforeReturn(backend: TestBackend) async throws {
        try await withStore(backend) { store, fixture in
            let ledger = UsageLedger(writer: store)
            let other = try fixture.openAnother()
            try await withRunning(other) { () async throws in
                try await withLedger(ledger) { () async throws in
                    for index in 0..<20 {
                        #expect(await ledger.recordDurably(Records.make("dur-\(index)"), timeout: .seconds(10)))
                        #expect(try await other.request(id: "dur-\(index)") != nil)
                    }
                    ledger.record(Records.make("flushed"))
                    await ledger.flush()
                    #expect(try await other.request(id: "flushed") != nil)
                }
            }
        }
    }

    @Test("Crash-like: write, flush, then a fresh connection counts every record once", arguments: TestBackend.all)
    func crashLike(backend: TestBackend) async throws {
        try await withStore(backend) { store, fixture in
            let records = Records.random(count: 500, days: 1, seed: 3)
            let ledger = UsageLedger(writer: store)
            let runner = Task { try await ledger.run() }
            for record in records { ledger.record(record) }
            await ledger.flush()
            // No drain, no close: the writer is simply abandoned, as after kill -9.
            let fresh = try fixture.openAnother()
            try await withRunning(fresh) {
                #expect(try await fresh.requestCount() == 500)
                let totals = try await fresh.tokenStats(.all).summary.totals
                #expect(ExpectedTotals(totals) == ExpectedTotals(records))
                // A replay after restart (same ids) changes nothing.
                #expect(try await fresh.insert(records) == InsertOutcome(inserted: 0, duplicates: 500))
                #expect(try await fresh.tokenStats(.all).summary.totals == totals)
            }
            runner.cancel()
            try await runner.value
        }
    }

    @Test("20 000 records through the batch path: rollup totals exact", arguments: TestBackend.all)
    func twentyThousand(backend: TestBackend) async throws {
        try await withStore(backend) { store, _ in
            let records = Records.random(count: 20_000, days: 30, seed: 20_000)
            let ledger = UsageLedger(writer: store, configuration: .init(capacity: 25_000, maxBatch: 500))
            let clock = ContinuousClock()
            let started = clock.now
            try await withLedger(ledger) {
                for record in records { ledger.record(record) }
                await ledger.flush()
            }
            let elapsed = clock.now - started
            #expect(ledger.status.written == 20_000)
            #expect(ledger.status.batches <= 20_000 / 500 + 40)
            let queryStart = clock.now
            let stats = try await store.tokenStats(.all)
            let queryTime = clock.now - queryStart
            #expect(ExpectedTotals(stats.summary.totals) == ExpectedTotals(records))
            #expect(try await store.verifyRollups().isConsistent)
            print("[\(backend.testDescription)] 20k records via ledger: \(elapsed); stats(.all) query: \(queryTime)")
        }
    }
}
