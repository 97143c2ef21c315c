import Foundation
import RelayCore
import RelayStorage
import Testing

/// The databases a storage test runs against: SQLite always, PostgreSQL when
/// `SWITCHYARD_TEST_POSTGRES_URL` is set (see start-postgres.sh).
enum TestBackend: Sendable, CustomTestStringConvertible {
    case sqlite
    case postgres(url: String)

    static var all: [TestBackend] {
        var backends: [TestBackend] = [.sqlite]
        if let url = ProcessInfo.processInfo.environment["SWITCHYARD_TEST_POSTGRES_URL"], !url.isEmpty {
            backends.append(.postgres(url: url))
        }
        return backends
    }

    var testDescription: String {
        switch self {
        case .sqlite: "sqlite"
        case .postgres: "postgresql"
        }
    }
}


/// A fresh, empty database for one test: a new SQLite file in a temp dir, or a new schema on
/// the PostgreSQL server. `openAnother()` gives a second, independent store (its own
/// connections) on the same data, as a restarted process would see it.
struct StoreFixture: Sendable {
    let backend: TestBackend
    let directory: URL
    let schema: String

    init(_ backend: TestBackend) throws {
        self.backend = backend
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("switchyard-storage-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        schema = "t_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(16)
    }

    var sqlitePath: String { directory.appendingPathComponent("usage.sqlite").path }

    var configuration: UsageStore.Configuration {
        switch backend {
        case .sqlite: .sqlite(path: sqlitePath)
        case .postgres(let url): .postgres(url: url, schema: schema, maxConnections: 4)
        }
    }

    func openAnother() throws -> UsageStore {
        try UsageStore(configuration)
    }

    func cleanUp() {
        try? FileManager.default.removeItem(at: directory)
    }
}

/// Runs `body` with `store`'s service running (PostgreSQL needs its pool running), then
/// stops it.
func withRunning<R>(_ store: UsageStore, _ body: () async throws -> R) async throws -> R {
    try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { try await store.run() }
        do {
            let result = try await body()
            group.cancelAll()
            try await group.waitForAll()
            return result
        } catch {
            group.cancelAll()
            throw error
        }
    }
}

/// A fresh store on `backend`, running for the duration of `body`.
func withStore<R>(_ backend: TestBackend, _ body: (UsageStore, StoreFixture) async throws -> R) async throws -> R {
    let fixture = try StoreFixture(backend)
    defer { fixture.cleanUp() }
    let store = try UsageStore(fixture.configuration)
    return try await withRunning(store) {
        try await body(store, fixture)
    }
}

/// Runs `ledger` while `body` runs, then drains it (as graceful shutdown does) and waits for
/// `run()` to return.
func withLedger<R>(_ ledger: UsageLedger, _ body: () async throws -> R) async throws -> R {
    try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { try await ledger.run() }
        do {
            let result = try await body()
            ledger.beginDraining()
            try await group.waitForAll()
            return result
        } catch {
            ledger.beginDraining()
            try? await group.waitForAll()
            throw error
        }
    }
}

/// Builds test records.
enum Records {
    static let base = Date(timeIntervalSince1970: 1_760_000_000)  // 2025-10-09T08:53:20Z

    static func make(
        _ id: String, at date: Date = base, model: String? = "claude-sonnet-4-5", served: String? = nil,
        upstream: String? = "up-a", client: String? = "alice", status: Int = 200, usage: TokenUsage = TokenUsage(input: 10, output: 20),
        partial: Bool = false
    ) -> RequestRecord {
        RequestRecord(
            requestID: id, startedAt: date, client: client, inbound: .anthropic, route: "messages", pool: "claude",
            upstream: upstream, requestedModel: model, servedModel: served, status: status, attempts: 1, durationSeconds: 0.25,
            timeToFirstByteSeconds: 0.05, usage: usage, streamed: true, partial: partial, clientCancelled: false,
            errorLabel: status >= 400 ? "upstream_\(status)" : nil
        )
    }

    /// Deterministic pseudo-random records spread over `days` days before `base`.
    static func random(count: Int, days: Int, seed: UInt64, idPrefix: String = "r") -> [RequestRecord] {
        var generator = SplitMix(seed: seed)
        let models: [String?] = ["claude-sonnet-4-5", "claude-opus-4-5", "gpt-5.1-codex", "claude-haiku-4-5", nil]
        let served: [String?] = [nil, nil, nil, "claude-sonnet-4-5-20250929"]
        let upstreams: [String?] = ["up-a", "up-b", "up-c", nil]
        let clients: [String?] = ["alice", "bob", "codex", nil]
        return (0..<count).map { index in
            let offset = Double(generator.next() % UInt64(days * 86_400 * 1000)) / 1000
            var usage = TokenUsage()
            switch generator.next() % 6 {
            case 0: break  // unknown usage
            case 1: usage = TokenUsage(output: Int(generator.next() % 500))
            default:
                usage = TokenUsage(
                    input: Int(generator.next() % 5000), output: Int(generator.next() % 2000),
                    cacheWrite: Int(generator.next() % 3000), cacheWrite1h: Int(generator.next() % 100),
                    cacheRead: Int(generator.next() % 20_000), reasoning: Int(generator.next() % 300)
                )
            }
            let statuses = [200, 200, 200, 200, 429, 500, 0]
            return make(
                "\(idPrefix)-\(index)", at: base.addingTimeInterval(-offset),
                model: models[Int(generator.next() % UInt64(models.count))],
                served: served[Int(generator.next() % UInt64(served.count))],
                upstream: upstreams[Int(generator.next() % UInt64(upstreams.count))],
                client: clients[Int(generator.next() % UInt64(clients.count))],
                status: statuses[Int(generator.next() % UInt64(statuses.count))], usage: usage,
                partial: generator.next() % 10 == 0
            )
        }
    }
}

struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// What the stats should say, computed from the records themselves.
struct ExpectedTotals: Equatable {
    var requests = 0, input = 0, output = 0, cacheWrite = 0, cacheRead = 0, reasoning = 0, unknown = 0, failed = 0

    init() {}

    init(_ records: some Sequence<RequestRecord>) {
        for record in records { add(record) }
    }

    mutating func add(_ record: RequestRecord) {
        requests += 1
        input += record.usage.input ?? 0
        output += record.usage.output ?? 0
        cacheWrite += record.usage.cacheWrite ?? 0
        cacheRead += record.usage.cacheRead ?? 0
        reasoning += record.usage.reasoning ?? 0
        unknown += record.usage.isEmpty ? 1 : 0
        failed += (200..<400).contains(record.status) ? 0 : 1
    }

    init(_ totals: TokenTotals) {
        requests = totals.requests
        input = totals.inputTokens
        output = totals.outputTokens
        cacheWrite = totals.cacheCreationTokens
        cacheRead = totals.cacheReadTokens
        reasoning = totals.reasoningTokens
        unknown = totals.unknownUsageRequests
        failed = totals.failedRequests
    }
}
