import Foundation
import SQLKit

extension UsageStore {
    /// Token stats for `period`, answered from the rollups only. Days are local days in
    /// `timeZone`; with `prices`, every total carries `cost_usd` and `cost_local`.
    ///
    /// In the daily zone (`dailyTimeZone`) over whole local days — `today`, `7d`, `30d`,
    /// `all`, day-aligned ranges — this reads `usage_daily` (one row per day × model ×
    /// upstream × client); otherwise the 15-minute buckets, still exact.
    public func tokenStats(
        _ period: StatsPeriod, timeZone: TimeZone = UsageStore.utc, prices: PriceTable? = nil, now: Date = Date()
    ) async throws -> TokenStats {
        try await ensureReady()
        let interval = period.interval(now: now, timeZone: timeZone)
        let (combos, days) = try await backend.readTransaction { db -> ([ComboRow], [DayRow]) in
            let storedZone = try await Self.storedDailyZone(db, lock: "")
            if storedZone == timeZone.identifier, let days = Self.localDayRange(interval, timeZone: timeZone) {
                return try await Self.dailyRows(db, days: days)
            }
            return try await Self.bucketRows(db, interval: interval, timeZone: timeZone)
        }
        return Self.assemble(
            combos: combos, days: days, period: period, interval: interval, timeZone: timeZone, prices: prices, now: now
        )
    }

    /// `[from, to)` as local day numbers, when both ends fall on local midnights (nil ends:
    /// unbounded); nil when they do not.
    static func localDayRange(_ interval: (from: Date?, to: Date?), timeZone: TimeZone) -> (low: Int64?, high: Int64?)? {
        func day(_ date: Date?) -> Int64?? {
            guard let date else { return .some(nil) }
            let seconds = date.timeIntervalSince1970
            guard seconds == seconds.rounded(.down) else { return nil }
            let local = Int64(seconds) + Int64(timeZone.secondsFromGMT(for: date))
            guard local % 86_400 == 0 else { return nil }
            return .some(local / 86_400)
        }
        guard let low = day(interval.from), let high = day(interval.to) else { return nil }
        return (low, high)
    }

    private static func dailyRows(_ db: any SQLDatabase, days: (low: Int64?, high: Int64?)) async throws -> ([ComboRow], [DayRow]) {
        let filter = slotFilter("local_day", low: days.low, high: days.high)
        var sql: SQLQueryString = "SELECT model, upstream, client, \(unsafeRaw: RollupCounters.sumSelectList) FROM usage_daily"
        sql += filter
        sql += " GROUP BY model, upstream, client"
        let combos = try await db.raw(sql).all().map(ComboRow.init(row:))
        guard !combos.isEmpty else { return ([], []) }
        var daily: SQLQueryString = "SELECT local_day AS day, model, \(unsafeRaw: RollupCounters.sumSelectList) FROM usage_daily"
        daily += filter
        daily += " GROUP BY local_day, model"
        return (combos, try await db.raw(daily).all().map(DayRow.init(row:)))
    }

    private static func bucketRows(
        _ db: any SQLDatabase, interval: (from: Date?, to: Date?), timeZone: TimeZone
    ) async throws -> ([ComboRow], [DayRow]) {
        let bucket = Migrations.bucketSeconds
        let low = interval.from.map { TimeText.floorDiv(seconds($0), bucket) * bucket }
        let high = interval.to.map { -TimeText.floorDiv(-seconds($0), bucket) * bucket }
        var sql: SQLQueryString = "SELECT model, upstream, client, \(unsafeRaw: RollupCounters.sumSelectList) FROM usage_rollups"
        sql += slotFilter("bucket_start", low: low, high: high)
        sql += " GROUP BY model, upstream, client"
        let combos = try await db.raw(sql).all().map(ComboRow.init(row:))
        guard !combos.isEmpty else { return ([], []) }

        var first = low
        var last = high
        if first == nil || last == nil {
            let row = try await db.raw("SELECT MIN(bucket_start) AS low, MAX(bucket_start) AS high FROM usage_rollups").first()
            if first == nil, let row { first = try row.decode(column: "low", as: Int64?.self) }
            if last == nil, let row { last = try row.decode(column: "high", as: Int64?.self).map { $0 + bucket } }
        }
        guard let first, let last, first < last else { return (combos, []) }
        var days: [DayRow] = []
        for segment in offsetSegments(from: first, to: last, timeZone: timeZone) {
            var daily: SQLQueryString = """
                SELECT (bucket_start + (\(literal: segment.offset))) / 86400 AS day, model, \
                \(unsafeRaw: RollupCounters.sumSelectList) FROM usage_rollups
                """
            daily += slotFilter("bucket_start", low: segment.low, high: segment.high)
            daily += " GROUP BY 1, 2"
            days += try await db.raw(daily).all().map(DayRow.init(row:))
        }
        return (combos, days)
    }

    struct ComboRow: Sendable {
        var model: String
        var upstream: String
        var client: String
        var counters: RollupCounters

        init(row: any SQLRow) throws {
            model = try row.decode(column: "model", as: String.self)
            upstream = try row.decode(column: "upstream", as: String.self)
            client = try row.decode(column: "client", as: String.self)
            counters = try RollupCounters(row: row)
        }
    }

    struct DayRow: Sendable {
        var day: Int64
        var model: String
        var counters: RollupCounters

        init(row: any SQLRow) throws {
            day = try row.decode(column: "day", as: Int64.self)
            model = try row.decode(column: "model", as: String.self)
            counters = try RollupCounters(row: row)
        }
    }

    static func seconds(_ date: Date) -> Int64 {
        Int64(date.timeIntervalSince1970.rounded(.down))
    }

    static func slotFilter(_ column: String, low: Int64?, high: Int64?) -> SQLQueryString {
        switch (low, high) {
        case (let low?, let high?): " WHERE \(unsafeRaw: column) >= \(literal: low) AND \(unsafeRaw: column) < \(literal: high)"
        case (let low?, nil): " WHERE \(unsafeRaw: column) >= \(literal: low)"
        case (nil, let high?): " WHERE \(unsafeRaw: column) < \(literal: high)"
        case (nil, nil): ""
        }
    }

    /// Splits `[from, to)` (Unix seconds) at the zone's UTC-offset changes, so each piece maps
    /// buckets to local days with one constant offset.
    static func offsetSegments(from: Int64, to: Int64, timeZone: TimeZone) -> [(low: Int64, high: Int64, offset: Int64)] {
        var segments: [(low: Int64, high: Int64, offset: Int64)] = []
        var start = from
        while start < to, segments.count < 10_000 {
            let instant = Date(timeIntervalSince1970: TimeInterval(start))
            let offset = Int64(timeZone.secondsFromGMT(for: instant))
            var end = to
            if let transition = timeZone.nextDaylightSavingTimeTransition(after: instant) {
                end = min(to, max(start + 1, Int64(transition.timeIntervalSince1970.rounded(.up))))
            }
            segments.append((start, end, offset))
            start = end
        }
        return segments
    }

    static func label(_ name: String) -> String {
        name.isEmpty ? TokenStats.unknownName : name
    }

    static func assemble(
        combos: [ComboRow], days: [DayRow], period: StatsPeriod, interval: (from: Date?, to: Date?), timeZone: TimeZone,
        prices: PriceTable?, now: Date
    ) -> TokenStats {
        let pricing = prices != nil
        var unpriced = Set<String>()
        var costCache: [String: ModelPrice?] = [:]
        func cost(_ counters: RollupCounters, model: String) -> Double? {
            guard let prices else { return nil }
            let price: ModelPrice?
            if let cached = costCache[model] {
                price = cached
            } else {
                price = prices.price(for: model)
                costCache[model] = price
            }
            guard let price else {
                unpriced.insert(label(model))
                return nil
            }
            return price.cost(
                input: counters.inputTokens, output: counters.outputTokens, cacheWrite: counters.cacheWriteTokens,
                cacheWrite1h: counters.cacheWrite1hTokens, cacheRead: counters.cacheReadTokens
            )
        }

        var summary = TokenTotals()
        var byModel: [String: TokenTotals] = [:]
        var byUpstream: [String: TokenTotals] = [:]
        var byClient: [String: TokenTotals] = [:]
        for combo in combos {
            let usd = cost(combo.counters, model: combo.model)
            summary.add(combo.counters)
            summary.addCost(usd, pricing: pricing)
            byModel[label(combo.model), default: TokenTotals()].add(combo.counters)
            byModel[label(combo.model), default: TokenTotals()].addCost(usd, pricing: pricing)
            byUpstream[label(combo.upstream), default: TokenTotals()].add(combo.counters)
            byUpstream[label(combo.upstream), default: TokenTotals()].addCost(usd, pricing: pricing)
            byClient[label(combo.client), default: TokenTotals()].add(combo.counters)
            byClient[label(combo.client), default: TokenTotals()].addCost(usd, pricing: pricing)
        }

        var daily: [String: TokenStats.Day] = [:]
        for row in days {
            let usd = cost(row.counters, model: row.model)
            let key = TimeText.dayLabel(daysSinceEpoch: row.day)
            let model = label(row.model)
            var day = daily[key] ?? TokenStats.Day()
            day.totals.add(row.counters)
            day.totals.addCost(usd, pricing: pricing)
            day.models[model, default: 0] += row.counters.requests
            day.byModel[model, default: TokenTotals()].add(row.counters)
            day.byModel[model, default: TokenTotals()].addCost(usd, pricing: pricing)
            daily[key] = day
        }

        let rate = prices?.currency.perUSD
        summary.finishCost(rate: rate)
        for key in byModel.keys { byModel[key]?.finishCost(rate: rate) }
        for key in byUpstream.keys { byUpstream[key]?.finishCost(rate: rate) }
        for key in byClient.keys { byClient[key]?.finishCost(rate: rate) }
        for key in daily.keys {
            daily[key]?.totals.finishCost(rate: rate)
            if let models = daily[key]?.byModel.keys {
                for model in models { daily[key]?.byModel[model]?.finishCost(rate: rate) }
            }
        }

        return TokenStats(
            summary: .init(totals: summary, uniqueModels: byModel.keys.sorted()),
            byModel: byModel, byUpstream: byUpstream, byClient: byClient, daily: daily,
            period: .init(
                label: period.label, from: interval.from.map { TimeText.iso8601($0, timeZone: timeZone) },
                to: interval.to.map { TimeText.iso8601($0, timeZone: timeZone) }, timeZone: timeZone.identifier
            ),
            currency: prices?.currency, unpricedModels: unpriced.sorted(),
            generatedAt: TimeText.localDateTime(now, timeZone: timeZone)
        )
    }
}
