import Foundation
import RelayCore
import SQLKit

extension SQLQueryString {
    /// Raw SQL built from trusted constants (column lists); keeps Swift string interpolation
    /// from being read as SQLKit's (deprecated) plain-string interpolation.
    static func text(_ sql: String) -> SQLQueryString {
        SQLQueryString(sql)
    }
}

/// The two rollup tables. Both have the same counters; they differ in their first key.
enum RollupTable: Sendable {
    /// `usage_rollups`: 15-minute UTC buckets (`bucket_start`, Unix seconds). Exact for any
    /// time zone; the source the daily table is rebuilt from when the zone changes.
    case buckets
    /// `usage_daily`: local days (`local_day`, days since 1970-01-01) in the zone recorded in
    /// `usage_meta.daily_time_zone`. What period stats normally read: ~100× fewer rows.
    case daily

    var name: String {
        switch self {
        case .buckets: "usage_rollups"
        case .daily: "usage_daily"
        }
    }

    var slotColumn: String {
        switch self {
        case .buckets: "bucket_start"
        case .daily: "local_day"
        }
    }

    var keyColumns: [String] { [slotColumn, "model", "requested_model", "upstream", "client"] }
}

/// The key of one rollup row. Missing values are stored as `''` (SQL treats NULLs as distinct
/// in a primary key, which would defeat the upsert).
struct RollupKey: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// Bucket start (Unix seconds) or local day number, depending on the table.
    var slot: Int64
    var model: String
    var requestedModel: String
    var upstream: String
    var client: String

    init(slot: Int64, model: String, requestedModel: String, upstream: String, client: String) {
        self.slot = slot
        self.model = model
        self.requestedModel = requestedModel
        self.upstream = upstream
        self.client = client
    }

    init(_ request: StoredRequest, slot: Int64) {
        self.slot = slot
        model = request.billedModel ?? ""
        requestedModel = request.requestedModel ?? ""
        upstream = request.upstream ?? ""
        client = request.client ?? ""
    }

    static func bucket(of request: StoredRequest) -> Int64 {
        TimeText.floorDiv(request.startedAtMilliseconds, Migrations.bucketSeconds * 1000) * Migrations.bucketSeconds
    }

    static func localDay(of request: StoredRequest, in timeZone: TimeZone) -> Int64 {
        let seconds = TimeText.floorDiv(request.startedAtMilliseconds, 1000)
        let offset = Int64(timeZone.secondsFromGMT(for: request.startedAt))
        return TimeText.floorDiv(seconds + offset, 86_400)
    }

    /// Upserts run in key order so two PostgreSQL instances never lock rows in opposite
    /// orders (no deadlocks).
    static func < (lhs: Self, rhs: Self) -> Bool {
        (lhs.slot, lhs.model, lhs.requestedModel, lhs.upstream, lhs.client)
            < (rhs.slot, rhs.model, rhs.requestedModel, rhs.upstream, rhs.client)
    }

    var description: String { "[\(slot) \(model)/\(requestedModel) \(upstream) \(client)]" }

    /// Key values in `RollupTable.keyColumns` order.
    var columnValues: [SQLiteValue] { [.integer(slot), .text(model), .text(requestedModel), .text(upstream), .text(client)] }

    /// What a batch adds to each rollup table: the counters of the rows that were really new
    /// (`newIDs`), summed per key and in key order (upserts in key order never deadlock).
    static func deltas(
        of requests: [StoredRequest], newIDs: Set<String>, zone: TimeZone
    ) -> [(table: RollupTable, rows: [(key: RollupKey, counters: RollupCounters)])] {
        var buckets: [RollupKey: RollupCounters] = [:]
        var days: [RollupKey: RollupCounters] = [:]
        for request in requests where newIDs.contains(request.requestID) {
            let counters = RollupCounters(request)
            buckets[RollupKey(request, slot: bucket(of: request)), default: RollupCounters()] += counters
            days[RollupKey(request, slot: localDay(of: request, in: zone)), default: RollupCounters()] += counters
        }
        return [(.buckets, buckets), (.daily, days)].map { table, deltas in
            (table, deltas.sorted { $0.key < $1.key }.map { (key: $0.key, counters: $0.value) })
        }
    }
}

/// Counters of a rollup row (or of any sum of them). Token sums add known values only;
/// `unknownUsageRequests` counts the records whose usage was not reported at all.
struct RollupCounters: Sendable, Equatable {
    var requests = 0
    var failedRequests = 0
    var partialRequests = 0
    var unknownUsageRequests = 0
    var inputTokens = 0
    var outputTokens = 0
    var cacheWriteTokens = 0
    var cacheWrite1hTokens = 0
    var cacheReadTokens = 0
    var reasoningTokens = 0

    /// Counter columns, in table order; each is also the alias the sum queries use.
    static let columns = [
        "requests", "failed_requests", "partial_requests", "unknown_usage_requests", "input_tokens", "output_tokens",
        "cache_write_tokens", "cache_write_1h_tokens", "cache_read_tokens", "reasoning_tokens",
    ]

    /// `CAST(SUM(x) AS BIGINT) AS x, …`: PostgreSQL sums BIGINT into NUMERIC otherwise.
    static let sumSelectList = columns.map { "CAST(COALESCE(SUM(\($0)), 0) AS BIGINT) AS \($0)" }.joined(separator: ", ")

    init() {}

    init(_ request: StoredRequest) {
        requests = 1
        failedRequests = (200..<400).contains(request.status) ? 0 : 1
        partialRequests = request.partial ? 1 : 0
        let usage = request.usage
        unknownUsageRequests = usage.isEmpty ? 1 : 0
        inputTokens = usage.input ?? 0
        outputTokens = usage.output ?? 0
        cacheWriteTokens = usage.cacheWrite ?? 0
        cacheWrite1hTokens = usage.cacheWrite1h ?? 0
        cacheReadTokens = usage.cacheRead ?? 0
        reasoningTokens = usage.reasoning ?? 0
    }

    init(row: any SQLRow) throws {
        requests = try row.decode(column: "requests", as: Int.self)
        failedRequests = try row.decode(column: "failed_requests", as: Int.self)
        partialRequests = try row.decode(column: "partial_requests", as: Int.self)
        unknownUsageRequests = try row.decode(column: "unknown_usage_requests", as: Int.self)
        inputTokens = try row.decode(column: "input_tokens", as: Int.self)
        outputTokens = try row.decode(column: "output_tokens", as: Int.self)
        cacheWriteTokens = try row.decode(column: "cache_write_tokens", as: Int.self)
        cacheWrite1hTokens = try row.decode(column: "cache_write_1h_tokens", as: Int.self)
        cacheReadTokens = try row.decode(column: "cache_read_tokens", as: Int.self)
        reasoningTokens = try row.decode(column: "reasoning_tokens", as: Int.self)
    }

    var values: [Int] {
        [
            requests, failedRequests, partialRequests, unknownUsageRequests, inputTokens, outputTokens, cacheWriteTokens,
            cacheWrite1hTokens, cacheReadTokens, reasoningTokens,
        ]
    }

    static func += (lhs: inout Self, rhs: Self) {
        lhs.requests += rhs.requests
        lhs.failedRequests += rhs.failedRequests
        lhs.partialRequests += rhs.partialRequests
        lhs.unknownUsageRequests += rhs.unknownUsageRequests
        lhs.inputTokens += rhs.inputTokens
        lhs.outputTokens += rhs.outputTokens
        lhs.cacheWriteTokens += rhs.cacheWriteTokens
        lhs.cacheWrite1hTokens += rhs.cacheWrite1hTokens
        lhs.cacheReadTokens += rhs.cacheReadTokens
        lhs.reasoningTokens += rhs.reasoningTokens
    }
}

enum RollupSQL {
    /// The bucket rollup computed from raw rows, independently of the Swift aggregation on
    /// the write path: used to verify and to rebuild rollups.
    static let fromRawRowsSelect = """
        SELECT (started_at_ms / \(Migrations.bucketSeconds * 1000)) * \(Migrations.bucketSeconds) AS bucket_start,
            COALESCE(served_model, requested_model, '') AS model,
            COALESCE(requested_model, '') AS requested_model,
            COALESCE(upstream, '') AS upstream,
            COALESCE(client, '') AS client,
            CAST(COUNT(*) AS BIGINT) AS requests,
            CAST(SUM(CASE WHEN status >= 200 AND status < 400 THEN 0 ELSE 1 END) AS BIGINT) AS failed_requests,
            CAST(SUM(CASE WHEN partial THEN 1 ELSE 0 END) AS BIGINT) AS partial_requests,
            CAST(SUM(CASE WHEN input_tokens IS NULL AND output_tokens IS NULL AND cache_write_tokens IS NULL
                AND cache_read_tokens IS NULL AND reasoning_tokens IS NULL THEN 1 ELSE 0 END) AS BIGINT) AS unknown_usage_requests,
            CAST(SUM(COALESCE(input_tokens, 0)) AS BIGINT) AS input_tokens,
            CAST(SUM(COALESCE(output_tokens, 0)) AS BIGINT) AS output_tokens,
            CAST(SUM(COALESCE(cache_write_tokens, 0)) AS BIGINT) AS cache_write_tokens,
            CAST(SUM(COALESCE(cache_write_1h_tokens, 0)) AS BIGINT) AS cache_write_1h_tokens,
            CAST(SUM(COALESCE(cache_read_tokens, 0)) AS BIGINT) AS cache_read_tokens,
            CAST(SUM(COALESCE(reasoning_tokens, 0)) AS BIGINT) AS reasoning_tokens
        FROM requests
        """

    static let fromRawRowsGroupBy = " GROUP BY 1, 2, 3, 4, 5"

    /// `SET x = table.x + excluded.x, …`: an upsert adds to the stored counters.
    static func addingUpdate(_ table: RollupTable) -> String {
        RollupCounters.columns.map { "\($0) = \(table.name).\($0) + excluded.\($0)" }.joined(separator: ", ")
    }

    /// Multi-row upsert that adds to existing counters (`excluded` holds the new values).
    static func upsert(_ rows: ArraySlice<(key: RollupKey, counters: RollupCounters)>, into table: RollupTable) -> SQLQueryString {
        var sql = SQLQueryString.text("INSERT INTO \(table.name) (\((table.keyColumns + RollupCounters.columns).joined(separator: ", "))) VALUES ")
        var first = true
        for row in rows {
            if !first { sql += ", " }
            first = false
            sql += "(\(bind: row.key.slot), \(bind: row.key.model), \(bind: row.key.requestedModel), \(bind: row.key.upstream), \(bind: row.key.client)"
            for value in row.counters.values {
                sql += ", \(bind: value)"
            }
            sql += ")"
        }
        sql += SQLQueryString.text(" ON CONFLICT (\(table.keyColumns.joined(separator: ", "))) DO UPDATE SET \(addingUpdate(table))")
        return sql
    }

    /// The one-row form of `upsert` with `?NNN` parameters (keys, then counters), for a
    /// statement prepared once and reused.
    static func singleRowUpsert(into table: RollupTable) -> String {
        let columns = table.keyColumns + RollupCounters.columns
        return "INSERT INTO \(table.name) (\(columns.joined(separator: ", "))) VALUES (\(UsageStore.placeholders(columns.count))) "
            + "ON CONFLICT (\(table.keyColumns.joined(separator: ", "))) DO UPDATE SET \(addingUpdate(table))"
    }

    /// The buckets of `[low, high)` regrouped into local days with one UTC offset (one DST
    /// segment): key columns and counters, like a `usage_daily` row.
    static func dailySelect(low: Int64, high: Int64, offset: Int64) -> SQLQueryString {
        var sql: SQLQueryString = "SELECT (bucket_start + (\(literal: offset))) / 86400 AS local_day, model, requested_model, upstream, client, "
        sql += SQLQueryString.text(RollupCounters.sumSelectList)
        sql += " FROM usage_rollups WHERE bucket_start >= \(literal: low) AND bucket_start < \(literal: high) GROUP BY 1, 2, 3, 4, 5"
        return sql
    }

    /// Adds `dailySelect` into `usage_daily` (two segments can meet inside one DST day).
    static func dailyFromBuckets(low: Int64, high: Int64, offset: Int64) -> SQLQueryString {
        let daily = RollupTable.daily
        var sql = SQLQueryString.text("INSERT INTO usage_daily (\((daily.keyColumns + RollupCounters.columns).joined(separator: ", "))) ")
        sql += dailySelect(low: low, high: high, offset: offset)
        sql += SQLQueryString.text(" ON CONFLICT (\(daily.keyColumns.joined(separator: ", "))) DO UPDATE SET \(addingUpdate(daily))")
        return sql
    }
}
