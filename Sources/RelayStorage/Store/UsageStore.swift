import Foundation
import Logging
import PostgresNIO
import RelayCore
import SQLKit
import ServiceLifecycle
import Synchronization

/// Something that durably stores batches of request records. `UsageStore` is the real one;
/// tests and the server's fakes can stand in for it behind `UsageLedger`.
public protocol UsageBatchWriter: Sendable {
    /// Stores `records` in one transaction, idempotently by request id. Returns only after the
    /// commit; throws if nothing was stored.
    func insert(_ records: [RequestRecord]) async throws -> InsertOutcome

    /// The same, calling `onCommit` as soon as the transaction has committed, on whatever
    /// thread committed it and before this call returns, so the ledger can release the
    /// responses waiting for these records without another hop. Called at most once, and
    /// never when this throws before the commit.
    func insert(_ records: [RequestRecord], onCommit: @escaping @Sendable (InsertOutcome) -> Void) async throws -> InsertOutcome

    /// A writer whose inserts block a thread of their own (SQLite) offers that thread as a
    /// task executor; the ledger then runs its writer loop there, so a batch costs no hand-off.
    /// Such inserts cannot be interrupted, so the ledger does not race them against a timeout.
    var taskExecutor: (any TaskExecutor)? { get }
}

extension UsageBatchWriter {
    public var taskExecutor: (any TaskExecutor)? { nil }

    public func insert(_ records: [RequestRecord], onCommit: @escaping @Sendable (InsertOutcome) -> Void) async throws -> InsertOutcome {
        let outcome = try await insert(records)
        onCommit(outcome)
        return outcome
    }
}

/// What one batch insert did.
public struct InsertOutcome: Sendable, Equatable {
    /// New rows (counted into the rollups).
    public var inserted: Int
    /// Records whose request id was already stored (a replay): ignored, not double-counted.
    public var duplicates: Int

    public init(inserted: Int, duplicates: Int) {
        self.inserted = inserted
        self.duplicates = duplicates
    }
}

/// The usage ledger's database: one row per request in `requests`, plus two rollup tables
/// updated in the same transaction — `usage_rollups` (15-minute UTC buckets) and
/// `usage_daily` (local days in `dailyTimeZone`), each keyed by billed model, requested model,
/// upstream and client — so stats over millions of requests read a few hundred rows.
///
/// One code path for SQLite (default; a file in the data dir, WAL) and PostgreSQL (shared by
/// several instances). Connections open lazily: a broken path or a database that is down
/// makes operations throw, never the constructor, so the relay starts and the ledger counts
/// what it could not write. Schema migrations run on first use (or call `migrate()`).
///
/// Lifecycle: add the store to the `ServiceGroup` *before* the `UsageLedger` (services stop in
/// reverse order, so the ledger drains into a store that is still open). With PostgreSQL its
/// `run()` runs the connection pool and must be running for any query to proceed.
///
/// Time zones: every UTC offset in use is a multiple of 15 minutes, so the bucket table can
/// answer exactly for any zone, across DST changes. The daily table is keyed by the zone
/// recorded in `usage_meta` (`daily_time_zone`); stats in that zone over whole local days
/// read it, anything else (another zone, ranges not on day boundaries) reads the buckets.
/// When the configured zone changes (`setDailyTimeZone`, or a restart with a new
/// `time_zone`) the daily table is rebuilt from the buckets in one transaction. Instances
/// sharing one PostgreSQL database should share the zone; the last to start wins.
public final class UsageStore: Service, UsageBatchWriter {
    let backend: StorageBackend
    let postgresSchema: String?
    let logger: Logger
    private let state: Mutex<LifecycleState>

    private struct LifecycleState {
        var migrated = false
        var dailyZoneSynced = false
        var closed = false
        var dailyTimeZone: TimeZone
    }

    /// Opens (lazily) the store described by `configuration`. `dailyTimeZone` is the relay's
    /// `time_zone` (days of the daily rollups). Throws only for a configuration that can never
    /// work (a malformed `postgres://` URL).
    public init(
        _ configuration: Configuration, dailyTimeZone: TimeZone = UsageStore.utc, logger: Logger = Logger(label: "switchyard.usage-store")
    ) throws {
        self.logger = logger
        state = Mutex(LifecycleState(dailyTimeZone: dailyTimeZone))
        switch configuration {
        case .sqlite(let path, let synchronous, let busyTimeout):
            guard !path.isEmpty, path != ":memory:" else {
                throw UsageStoreError.invalidConfiguration("the SQLite usage store needs a file path")
            }
            backend = .sqlite(SQLiteFile(path: path, synchronous: synchronous, busyTimeout: busyTimeout, logger: logger))
            postgresSchema = nil
        case .postgres(let url, let schema, let maxConnections):
            let clientConfiguration = try Configuration.postgresClientConfiguration(url: url, schema: schema, maxConnections: maxConnections)
            backend = .postgres(PostgresClient(configuration: clientConfiguration, backgroundLogger: logger), ownsClient: true)
            postgresSchema = schema
        }
    }

    /// Uses a `PostgresClient` the caller owns and runs (then this store's `run()` only waits).
    /// With `schema`, the client must already put that schema first in its `search_path`.
    public init(
        postgresClient: PostgresClient, schema: String? = nil, dailyTimeZone: TimeZone = UsageStore.utc,
        logger: Logger = Logger(label: "switchyard.usage-store")
    ) {
        self.logger = logger
        state = Mutex(LifecycleState(dailyTimeZone: dailyTimeZone))
        backend = .postgres(postgresClient, ownsClient: false)
        postgresSchema = schema
    }

    public var taskExecutor: (any TaskExecutor)? {
        if case .sqlite(let file) = backend { return file.batchWriter }
        return nil
    }

    /// `sqlite` or `postgresql`, for status pages.
    public var backendName: String { backend.name }

    public static let utc = TimeZone(identifier: "UTC") ?? TimeZone(secondsFromGMT: 0) ?? .current

    /// The zone the daily rollups are kept in (the relay's `time_zone`).
    public var dailyTimeZone: TimeZone { state.withLock { $0.dailyTimeZone } }

    /// Changes the zone of the daily rollups (config reload); rebuilds them from the
    /// 15-minute buckets when it differs from the stored one.
    public func setDailyTimeZone(_ timeZone: TimeZone) async throws {
        let changed = state.withLock { state -> Bool in
            guard state.dailyTimeZone.identifier != timeZone.identifier else { return false }
            state.dailyTimeZone = timeZone
            state.dailyZoneSynced = false
            return true
        }
        if changed { try await ensureReady() }
    }

    /// Runs what the backend needs in the background (PostgreSQL's connection pool) until
    /// graceful shutdown or cancellation, then closes the store.
    public func run() async throws {
        switch backend {
        case .postgres(let client, ownsClient: true):
            await client.run()
        case .postgres, .sqlite:
            let (stopped, stop) = AsyncStream<Void>.makeStream()
            await withTaskCancellationOrGracefulShutdownHandler {
                for await _ in stopped {}
            } onCancelOrGracefulShutdown: {
                stop.finish()
            }
        }
        await close()
    }

    /// Closes the connections; every later operation throws `UsageStoreError.closed`.
    public func close() async {
        let alreadyClosed = state.withLock { state -> Bool in
            defer { state.closed = true }
            return state.closed
        }
        guard !alreadyClosed else { return }
        if case .sqlite(let file) = backend {
            await file.close()
        }
    }

    /// Applies pending schema migrations; returns the ids it applied. Called automatically by
    /// the first operation, so calling it at startup only surfaces problems earlier.
    @discardableResult
    public func migrate() async throws -> [Int] {
        try checkOpen()
        let applied = try await Migrations.apply(on: backend, postgresSchema: postgresSchema)
        state.withLock { $0.migrated = true }
        if !applied.isEmpty {
            logger.info("Usage store schema migrated", metadata: ["backend": .string(backend.name), "applied": .string("\(applied)")])
        }
        return applied
    }

    func ensureReady() async throws {
        try checkOpen()
        let (migrated, synced, zone) = state.withLock { ($0.migrated, $0.dailyZoneSynced, $0.dailyTimeZone) }
        if !migrated {
            try await migrate()
        }
        if !synced {
            try await syncDailyTimeZone(zone)
        }
    }

    static let dailyZoneKey = "daily_time_zone"

    /// Makes `usage_daily` keyed by `zone`: if the stored zone differs (or none is stored),
    /// rebuilds it from the buckets and records `zone`, all in one transaction.
    private func syncDailyTimeZone(_ zone: TimeZone) async throws {
        let rebuilt = try await backend.writeTransaction { db -> String? in
            if backend.isPostgres {
                try await db.raw("SELECT pg_advisory_xact_lock(\(literal: 5_101_002))").run()
            }
            let stored = try await Self.storedDailyZone(db, lock: backend.isPostgres ? " FOR UPDATE" : "")
            guard stored != zone.identifier else { return nil }
            try await Self.rebuildDaily(db, zone: zone)
            try await db.raw("""
                INSERT INTO usage_meta (key, value) VALUES (\(bind: Self.dailyZoneKey), \(bind: zone.identifier))
                ON CONFLICT (key) DO UPDATE SET value = excluded.value
                """).run()
            return stored ?? "none"
        }
        state.withLock { state in
            if state.dailyTimeZone.identifier == zone.identifier { state.dailyZoneSynced = true }
        }
        if let rebuilt {
            logger.info("Daily usage rollups keyed by time zone", metadata: ["time_zone": .string(zone.identifier), "previous": .string(rebuilt)])
        }
    }

    static func storedDailyZone(_ db: any SQLDatabase, lock: String) async throws -> String? {
        var sql: SQLQueryString = "SELECT value FROM usage_meta WHERE key = \(bind: dailyZoneKey)"
        sql += SQLQueryString.text(lock)
        return try await db.raw(sql).first(decodingColumn: "value", as: String.self)
    }

    /// Recomputes all of `usage_daily` from `usage_rollups` for `zone`.
    static func rebuildDaily(_ db: any SQLDatabase, zone: TimeZone) async throws {
        try await db.raw("DELETE FROM usage_daily").run()
        let range = try await db.raw("SELECT MIN(bucket_start) AS low, MAX(bucket_start) AS high FROM usage_rollups").first()
        guard let range, let low = try range.decode(column: "low", as: Int64?.self),
            let high = try range.decode(column: "high", as: Int64?.self)
        else { return }
        for segment in offsetSegments(from: low, to: high + Migrations.bucketSeconds, timeZone: zone) {
            try await db.raw(RollupSQL.dailyFromBuckets(low: segment.low, high: segment.high, offset: segment.offset)).run()
        }
    }

    private func checkOpen() throws {
        if state.withLock({ $0.closed }) { throw UsageStoreError.closed }
    }

    /// Rows per multi-row statement: 24 binds each stays far below SQLite's 32 766 and
    /// PostgreSQL's 65 535 bind limits.
    static let rowsPerStatement = 200

    @discardableResult
    public func insert(_ records: [RequestRecord]) async throws -> InsertOutcome {
        try await insert(records, onCommit: { _ in })
    }

    @discardableResult
    public func insert(_ records: [RequestRecord], onCommit: @escaping @Sendable (InsertOutcome) -> Void) async throws -> InsertOutcome {
        guard !records.isEmpty else {
            let outcome = InsertOutcome(inserted: 0, duplicates: 0)
            onCommit(outcome)
            return outcome
        }
        try await ensureReady()
        var seen = Set<String>()
        var unique: [StoredRequest] = []
        unique.reserveCapacity(records.count)
        for record in records {
            let stored = StoredRequest(record)
            if seen.insert(stored.requestID).inserted { unique.append(stored) }
        }
        let fallbackZone = dailyTimeZone
        let inserted: Int
        switch backend {
        case .sqlite(let file):
            let rows = unique
            let total = records.count
            inserted = try await file.batchWriter.perform { connection in
                let inserted = try Self.insertDirect(rows, on: connection, fallbackZone: fallbackZone)
                onCommit(InsertOutcome(inserted: inserted, duplicates: total - inserted))
                return inserted
            }
        case .postgres:
            inserted = try await backend.writeTransaction { db -> Int in
                var newIDs = Set<String>()
                var start = 0
                while start < unique.count {
                    let chunk = unique[start..<min(start + Self.rowsPerStatement, unique.count)]
                    let ids = try await db.raw(Self.insertStatement(chunk)).all(decodingColumn: "request_id", as: String.self)
                    newIDs.formUnion(ids)
                    start += Self.rowsPerStatement
                }
                guard !newIDs.isEmpty else { return 0 }
                // The daily zone as stored, read under a shared lock so a concurrent rebuild for
                // a new zone (another instance) cannot interleave with this transaction.
                let zoneName = try await Self.storedDailyZone(db, lock: " FOR SHARE")
                let zone = zoneName.flatMap(TimeZone.init(identifier:)) ?? fallbackZone
                for (table, ordered) in RollupKey.deltas(of: unique, newIDs: newIDs, zone: zone) {
                    start = 0
                    while start < ordered.count {
                        try await db.raw(RollupSQL.upsert(ordered[start..<min(start + Self.rowsPerStatement, ordered.count)], into: table)).run()
                        start += Self.rowsPerStatement
                    }
                }
                return newIDs.count
            }
            onCommit(InsertOutcome(inserted: inserted, duplicates: records.count - inserted))
        }
        return InsertOutcome(inserted: inserted, duplicates: records.count - inserted)
    }

    /// The SQLite form of `insert`, run on the batch writer's thread: the same transaction as
    /// the PostgreSQL path (new rows, the stored daily zone, ordered rollup upserts), one
    /// prepared row statement at a time. SQLite has one writer per file, so reading the zone
    /// inside `BEGIN IMMEDIATE` already excludes a concurrent rebuild.
    static func insertDirect(_ unique: [StoredRequest], on connection: SQLiteDirectConnection, fallbackZone: TimeZone) throws -> Int {
        try connection.transaction {
            var newIDs = Set<String>()
            for request in unique {
                let changed = try connection.execute(sqliteInsertRow, request.columnValues.map(SQLiteValue.init))
                if changed > 0 { newIDs.insert(request.requestID) }
            }
            guard !newIDs.isEmpty else { return 0 }
            let zoneName = try connection.firstText(sqliteDailyZone, [.text(dailyZoneKey)])
            let zone = zoneName.flatMap(TimeZone.init(identifier:)) ?? fallbackZone
            for (table, ordered) in RollupKey.deltas(of: unique, newIDs: newIDs, zone: zone) {
                let sql = table == .buckets ? sqliteUpsertBucket : sqliteUpsertDaily
                for row in ordered {
                    try connection.execute(sql, row.key.columnValues + row.counters.values.map { .integer(Int64($0)) })
                }
            }
            return newIDs.count
        }
    }

    static let sqliteInsertRow =
        "INSERT INTO requests (\(requestColumns.joined(separator: ", "))) VALUES (\(placeholders(requestColumns.count))) "
        + "ON CONFLICT (request_id) DO NOTHING"
    static let sqliteDailyZone = "SELECT value FROM usage_meta WHERE key = ?1"
    static let sqliteUpsertBucket = RollupSQL.singleRowUpsert(into: .buckets)
    static let sqliteUpsertDaily = RollupSQL.singleRowUpsert(into: .daily)

    /// `?1, ?2, …, ?count`.
    static func placeholders(_ count: Int) -> String {
        (1...max(1, count)).map { "?\($0)" }.joined(separator: ", ")
    }

    static let requestColumns = [
        "request_id", "started_at_ms", "client", "inbound", "route", "pool", "upstream", "requested_model", "served_model",
        "status", "attempts", "duration_seconds", "ttfb_seconds", "input_tokens", "output_tokens", "cache_write_tokens",
        "cache_write_5m_tokens", "cache_write_1h_tokens", "cache_read_tokens", "reasoning_tokens", "streamed", "partial",
        "client_cancelled", "error_label",
    ]

    /// `INSERT … ON CONFLICT DO NOTHING RETURNING request_id`: only rows that are really new
    /// come back, and only those are added to the rollups (replays never double-count).
    private static func insertStatement(_ rows: ArraySlice<StoredRequest>) -> SQLQueryString {
        var sql = SQLQueryString.text("INSERT INTO requests (\(requestColumns.joined(separator: ", "))) VALUES ")
        var firstRow = true
        for row in rows {
            sql += firstRow ? "(" : ", ("
            firstRow = false
            for (index, value) in row.columnValues.enumerated() {
                if index > 0 { sql += ", " }
                switch value {
                case .integer(let number): sql += "\(bind: number)"
                case .double(let number): sql += "\(bind: number)"
                case .text(let text): sql += "\(bind: text)"
                case .bool(let flag): sql += "\(bind: flag)"
                }
            }
            sql += ")"
        }
        sql += " ON CONFLICT (request_id) DO NOTHING RETURNING request_id"
        return sql
    }
}
