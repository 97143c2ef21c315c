import Foundation
import SQLKit

/// The outcome of `UsageStore.verifyRollups`.
public struct RollupCheck: Sendable, Equatable {
    /// Rollup rows computed from raw request rows.
    public var expectedRows: Int
    /// Rollup rows stored.
    public var storedRows: Int
    /// Keys whose counters differ (or exist on one side only), as readable strings.
    public var mismatches: [String]

    public var isConsistent: Bool { mismatches.isEmpty }
}

extension UsageStore {
    /// Deletes every request row and every rollup row in one transaction; returns the number
    /// of request rows deleted. Callers write an export first (the stats reset endpoint).
    @discardableResult
    public func reset() async throws -> Int {
        try await ensureReady()
        return try await backend.writeTransaction { db in
            let count = try await db.raw("SELECT CAST(COUNT(*) AS BIGINT) AS n FROM requests").first(decodingColumn: "n", as: Int.self) ?? 0
            try await db.raw("DELETE FROM requests").run()
            try await db.raw("DELETE FROM usage_rollups").run()
            try await db.raw("DELETE FROM usage_daily").run()
            return count
        }
    }

    /// Retention: deletes request rows started before `cutoff`; returns how many.
    ///
    /// Rollups are kept by default: they are ~100× smaller than raw rows and keep long-range
    /// stats (`all`, past months) answering after the detail is gone. With
    /// `includingRollups`, rollup buckets that end at or before `cutoff` and daily rows of
    /// local days before the cutoff's day go too.
    @discardableResult
    public func deleteRecords(olderThan cutoff: Date, includingRollups: Bool = false) async throws -> Int {
        try await ensureReady()
        let milliseconds = StoredRequest.milliseconds(cutoff)
        let bucketLimit = TimeText.floorDiv(Self.seconds(cutoff), Migrations.bucketSeconds) * Migrations.bucketSeconds
        let zone = dailyTimeZone
        let dayLimit = TimeText.floorDiv(Self.seconds(cutoff) + Int64(zone.secondsFromGMT(for: cutoff)), 86_400)
        return try await backend.writeTransaction { db in
            let count = try await db.raw("""
                SELECT CAST(COUNT(*) AS BIGINT) AS n FROM requests WHERE started_at_ms < \(bind: milliseconds)
                """).first(decodingColumn: "n", as: Int.self) ?? 0
            try await db.raw("DELETE FROM requests WHERE started_at_ms < \(bind: milliseconds)").run()
            if includingRollups {
                try await db.raw("DELETE FROM usage_rollups WHERE bucket_start < \(bind: bucketLimit)").run()
                try await db.raw("DELETE FROM usage_daily WHERE local_day < \(bind: dayLimit)").run()
            }
            return count
        }
    }

    /// Retention in days: deletes request rows older than `days` × 24 h before `now`.
    @discardableResult
    public func deleteOlderThan(days: Int, includingRollups: Bool = false, now: Date = Date()) async throws -> Int {
        try await deleteRecords(olderThan: now.addingTimeInterval(-Double(max(0, days)) * 86_400), includingRollups: includingRollups)
    }

    /// Recomputes the bucket rollups from raw rows (in SQL, independently of the write path)
    /// and the daily rollups from the buckets, and compares them with the stored ones — for
    /// buckets from `since` on (default: the bucket of the oldest raw row, since retention may
    /// have removed older raw rows on purpose) and the local days that start after it.
    public func verifyRollups(since: Date? = nil) async throws -> RollupCheck {
        try await ensureReady()
        return try await backend.readTransaction { db in
            let lowBucket = try await Self.firstBucket(db, since: since)
            guard let lowBucket else {
                let stored = try await db.raw("SELECT CAST(COUNT(*) AS BIGINT) AS n FROM usage_rollups").first(decodingColumn: "n", as: Int.self) ?? 0
                return RollupCheck(expectedRows: 0, storedRows: stored, mismatches: stored == 0 ? [] : ["\(stored) rollup rows without raw rows"])
            }
            var expectedSQL = SQLQueryString(RollupSQL.fromRawRowsSelect)
            expectedSQL += " WHERE started_at_ms >= \(literal: lowBucket * 1000)"
            expectedSQL += SQLQueryString(RollupSQL.fromRawRowsGroupBy)
            let expected = try await Self.rollupMap(db.raw(expectedSQL).all(), slot: "bucket_start")
            var storedSQL = SQLQueryString.text("SELECT \((RollupTable.buckets.keyColumns + RollupCounters.columns).joined(separator: ", ")) FROM usage_rollups")
            storedSQL += " WHERE bucket_start >= \(literal: lowBucket)"
            let stored = try await Self.rollupMap(db.raw(storedSQL).all(), slot: "bucket_start")
            var mismatches = Self.differences(expected, stored, table: "usage_rollups")

            // Daily rows against the buckets regrouped in the stored daily zone.
            let zoneName = try await Self.storedDailyZone(db, lock: "")
            if let zoneName, let zone = TimeZone(identifier: zoneName),
                let range = try await db.raw("SELECT MAX(bucket_start) AS high FROM usage_rollups").first(),
                let highBucket = try range.decode(column: "high", as: Int64?.self)
            {
                let firstDay = TimeText.floorDiv(lowBucket + Int64(zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(lowBucket)))) - 1, 86_400) + 1
                var expectedDays: [RollupKey: RollupCounters] = [:]
                for segment in Self.offsetSegments(from: lowBucket, to: highBucket + Migrations.bucketSeconds, timeZone: zone) {
                    let rows = try await db.raw(RollupSQL.dailySelect(low: segment.low, high: segment.high, offset: segment.offset)).all()
                    for (key, counters) in try Self.rollupMap(rows, slot: "local_day") where key.slot >= firstDay {
                        expectedDays[key, default: RollupCounters()] += counters
                    }
                }
                var daysSQL = SQLQueryString.text("SELECT \((RollupTable.daily.keyColumns + RollupCounters.columns).joined(separator: ", ")) FROM usage_daily")
                daysSQL += " WHERE local_day >= \(literal: firstDay)"
                let storedDays = try await Self.rollupMap(db.raw(daysSQL).all(), slot: "local_day")
                mismatches += Self.differences(expectedDays, storedDays, table: "usage_daily")
            }
            return RollupCheck(expectedRows: expected.count, storedRows: stored.count, mismatches: mismatches)
        }
    }

    private static func differences(_ expected: [RollupKey: RollupCounters], _ stored: [RollupKey: RollupCounters], table: String) -> [String] {
        Set(expected.keys).union(stored.keys).sorted().compactMap { key in
            expected[key] == stored[key]
                ? nil : "\(table) \(key): expected \(String(describing: expected[key])), stored \(String(describing: stored[key]))"
        }
    }

    /// Rebuilds the bucket rollups from raw rows for the buckets raw rows still cover (older,
    /// retention-only rollups are kept), then the daily rollups from the buckets. For repairs
    /// after manual edits or a future change of what a rollup counts.
    public func rebuildRollups() async throws {
        try await ensureReady()
        let zone = dailyTimeZone
        try await backend.writeTransaction { db in
            guard let lowBucket = try await Self.firstBucket(db, since: nil) else { return }
            try await db.raw("DELETE FROM usage_rollups WHERE bucket_start >= \(literal: lowBucket)").run()
            var insert = SQLQueryString.text("INSERT INTO usage_rollups (\((RollupTable.buckets.keyColumns + RollupCounters.columns).joined(separator: ", "))) ")
            insert += SQLQueryString(RollupSQL.fromRawRowsSelect)
            insert += " WHERE started_at_ms >= \(literal: lowBucket * 1000)"
            insert += SQLQueryString(RollupSQL.fromRawRowsGroupBy)
            try await db.raw(insert).run()
            let storedZone = try await Self.storedDailyZone(db, lock: "")
            try await Self.rebuildDaily(db, zone: storedZone.flatMap(TimeZone.init(identifier:)) ?? zone)
        }
    }

    private static func firstBucket(_ db: any SQLDatabase, since: Date?) async throws -> Int64? {
        if let since {
            return TimeText.floorDiv(seconds(since), Migrations.bucketSeconds) * Migrations.bucketSeconds
        }
        let oldest = try await db.raw("SELECT MIN(started_at_ms) AS low FROM requests").first()
        guard let milliseconds = try oldest?.decode(column: "low", as: Int64?.self) else { return nil }
        return TimeText.floorDiv(milliseconds, Migrations.bucketSeconds * 1000) * Migrations.bucketSeconds
    }

    private static func rollupMap(_ rows: [any SQLRow], slot: String) throws -> [RollupKey: RollupCounters] {
        var map: [RollupKey: RollupCounters] = [:]
        for row in rows {
            let key = RollupKey(
                slot: try row.decode(column: slot, as: Int64.self),
                model: try row.decode(column: "model", as: String.self),
                requestedModel: try row.decode(column: "requested_model", as: String.self),
                upstream: try row.decode(column: "upstream", as: String.self),
                client: try row.decode(column: "client", as: String.self)
            )
            map[key, default: RollupCounters()] += try RollupCounters(row: row)
        }
        return map
    }
}
