import Foundation
import RelayCore
import RelayStorage
import Testing

@Suite("UsageStore")
struct UsageStoreTests {
    @Test("Same request id twice: one row, rollups not doubled", arguments: TestBackend.all)
    func idempotentInsert(backend: TestBackend) async throws {
        try await withStore(backend) { store, _ in
            let a = Records.make("a")
            let b = Records.make("b", usage: TokenUsage(input: 1, output: 2, cacheRead: 3))
            #expect(try await store.insert([a, b, a]) == InsertOutcome(inserted: 2, duplicates: 1))
            let replay = try await store.insert([a, b, Records.make("c")])
            #expect(replay == InsertOutcome(inserted: 1, duplicates: 2))
            #expect(try await store.requestCount() == 3)

            let stats = try await store.tokenStats(.all)
            #expect(stats.summary.totals.requests == 3)
            #expect(stats.summary.totals.inputTokens == 10 + 1 + 10)
            #expect(stats.summary.totals.cacheReadTokens == 3)
            #expect(try await store.verifyRollups().isConsistent)
        }
    }

    @Test("Unknown usage stays NULL, never 0", arguments: TestBackend.all)
    func unknownUsageStaysNull(backend: TestBackend) async throws {
        try await withStore(backend) { store, _ in
            try await store.insert([
                Records.make("none", usage: TokenUsage()),
                Records.make("output-only", usage: TokenUsage(output: 7)),
                Records.make("zero", usage: TokenUsage(input: 0, output: 0, cacheWrite: 0, cacheRead: 0)),
            ])
            let none = try #require(try await store.request(id: "none"))
            #expect(none.usage == TokenUsage())
            let outputOnly = try #require(try await store.request(id: "output-only"))
            #expect(outputOnly.usage.input == nil)
            #expect(outputOnly.usage.output == 7)
            #expect(outputOnly.usage.cacheRead == nil)
            let zero = try #require(try await store.request(id: "zero"))
            #expect(zero.usage.input == 0)
            #expect(zero.usage.reasoning == nil)

            let stats = try await store.tokenStats(.all)
            #expect(stats.summary.totals.unknownUsageRequests == 1)
            #expect(stats.summary.totals.outputTokens == 7)

            let json = String(decoding: try await store.export(.all, format: .json), as: UTF8.self)
            #expect(json.contains("\"input_tokens\":null"))
        }
    }

    @Test("Stored fields round-trip exactly", arguments: TestBackend.all)
    func roundTrip(backend: TestBackend) async throws {
        try await withStore(backend) { store, _ in
            var record = Records.make("rt", served: "claude-sonnet-4-5-20250929", status: 502)
            record.startedAt = Date(timeIntervalSince1970: 1_760_000_000.123)
            record.inbound = .openAIResponses
            record.usage = TokenUsage(input: 1, output: 2, cacheWrite: 3, cacheWrite5m: 1, cacheWrite1h: 2, cacheRead: 4, reasoning: 5)
            record.partial = true
            record.clientCancelled = true
            record.client = "nul\u{0}byte"
            record.timeToFirstByteSeconds = .nan
            try await store.insert([record])
            let stored = try #require(try await store.request(id: "rt"))
            #expect(stored == StoredRequest(record))
            #expect(stored.client == "nulbyte")
            #expect(stored.timeToFirstByteSeconds == nil)
            #expect(stored.startedAtMilliseconds == 1_760_000_000_123)
            #expect(stored.inbound == "openai-responses")
            #expect(stored.errorLabel == "upstream_502")
        }
    }

    @Test("Rollups equal a GROUP BY over raw rows; stats equal the records", arguments: TestBackend.all)
    func rollupsMatchRawRows(backend: TestBackend) async throws {
        try await withStore(backend) { store, _ in
            let records = Records.random(count: 3000, days: 12, seed: 42)
            var start = 0
            while start < records.count {
                try await store.insert(Array(records[start..<min(start + 137, records.count)]))
                start += 137
            }
            let check = try await store.verifyRollups()
            #expect(check.isConsistent, "\(check.mismatches.prefix(3))")
            #expect(check.storedRows == check.expectedRows)

            let stats = try await store.tokenStats(.all)
            #expect(ExpectedTotals(stats.summary.totals) == ExpectedTotals(records))

            var byModel: [String: ExpectedTotals] = [:]
            var byUpstream: [String: ExpectedTotals] = [:]
            var byClient: [String: ExpectedTotals] = [:]
            for record in records {
                byModel[record.servedModel ?? record.requestedModel ?? TokenStats.unknownName, default: .init()].add(record)
                byUpstream[record.upstream ?? TokenStats.unknownName, default: .init()].add(record)
                byClient[record.client ?? TokenStats.unknownName, default: .init()].add(record)
            }
            #expect(stats.byModel.mapValues(ExpectedTotals.init) == byModel)
            #expect(stats.byUpstream.mapValues(ExpectedTotals.init) == byUpstream)
            #expect(stats.byClient.mapValues(ExpectedTotals.init) == byClient)
            #expect(stats.summary.uniqueModels == byModel.keys.sorted())

            // First from the 15-minute buckets (the daily table is kept in UTC), then with the
            // daily table rebuilt in each zone: both paths must agree with the records.
            for rebuild in [false, true] {
                for zone in ["Asia/Shanghai", "America/New_York", "Asia/Kolkata", "Asia/Kathmandu", "UTC"] {
                    let timeZone = try #require(TimeZone(identifier: zone))
                    if rebuild {
                        try await store.setDailyTimeZone(timeZone)
                        #expect(store.dailyTimeZone.identifier == timeZone.identifier)
                        let check = try await store.verifyRollups()
                        #expect(check.isConsistent, "\(zone): \(check.mismatches.prefix(3))")
                    }
                    let stats = try await store.tokenStats(.all, timeZone: timeZone)
                    #expect(ExpectedTotals(stats.summary.totals) == ExpectedTotals(records))
                    #expect(stats.daily.mapValues { ExpectedTotals($0.totals) } == Self.dailyTotals(records, timeZone: timeZone), "\(zone)")
                    let perModel = stats.daily.mapValues { $0.byModel.mapValues(ExpectedTotals.init) }
                    #expect(perModel == Self.dailyModelTotals(records, timeZone: timeZone), "\(zone)")
                    for day in stats.daily.values {
                        #expect(day.models == day.byModel.mapValues(\.requests))
                    }
                    let week = try await store.tokenStats(.sevenDays, timeZone: timeZone, now: Records.base)
                    let weekStart = try #require(StatsPeriod.sevenDays.interval(now: Records.base, timeZone: timeZone).from)
                    #expect(ExpectedTotals(week.summary.totals) == ExpectedTotals(records.filter { $0.startedAt >= weekStart }), "\(zone)")
                }
            }
            // New records after a rebuild land in the new zone's days.
            let more = Records.random(count: 300, days: 3, seed: 43, idPrefix: "more")
            try await store.insert(more)
            #expect(try await store.verifyRollups().isConsistent)
            let utc = try await store.tokenStats(.all, timeZone: UsageStore.utc)
            #expect(utc.daily.mapValues { ExpectedTotals($0.totals) } == Self.dailyTotals(records + more, timeZone: UsageStore.utc))
        }
    }

    @Test("Daily buckets follow the time zone across a DST change", arguments: TestBackend.all)
    func dstDays(backend: TestBackend) async throws {
        try await withStore(backend) { store, _ in
            let zone = try #require(TimeZone(identifier: "America/New_York"))
            // 2025-03-09: clocks go 02:00 → 03:00 local (07:00Z). 2025-11-02: 02:00 → 01:00 (06:00Z).
            let instants: [(String, Double)] = [
                ("before-spring", 1_741_499_940),  // 2025-03-09T05:59Z = 00:59 EST (Mar 9)
                ("midnight-edt", 1_741_579_200),  // 2025-03-10T04:00Z = 00:00 EDT (Mar 10)
                ("late-edt", 1_741_578_300),  // 2025-03-10T03:45Z = 23:45 EDT (Mar 9)
                ("fall-back", 1_762_063_200),  // 2025-11-02T06:00Z = 01:00 EST (Nov 2)
                ("fall-before", 1_762_057_800),  // 2025-11-02T04:30Z = 00:30 EDT (Nov 2)
                ("fall-prev", 1_762_055_100),  // 2025-11-02T03:45Z = 23:45 EDT (Nov 1)
            ]
            let records = instants.map { Records.make($0.0, at: Date(timeIntervalSince1970: $0.1)) }
            try await store.insert(records)
            let stats = try await store.tokenStats(.all, timeZone: zone)
            #expect(stats.daily.mapValues(\.totals.requests) == ["2025-03-09": 2, "2025-03-10": 1, "2025-11-01": 1, "2025-11-02": 2])
            let range = try await store.tokenStats(
                .range(from: Date(timeIntervalSince1970: 1_741_496_400), to: Date(timeIntervalSince1970: 1_741_579_200)), timeZone: zone
            )
            #expect(range.summary.totals.requests == 2)  // Mar 9 local: [05:00Z, next 04:00Z)
        }
    }

    @Test("today / 7d / 30d are local days including today", arguments: TestBackend.all)
    func periods(backend: TestBackend) async throws {
        try await withStore(backend) { store, _ in
            let zone = try #require(TimeZone(identifier: "Asia/Shanghai"))
            let now = Date(timeIntervalSince1970: 1_760_000_000)  // 2025-10-09 16:53:20 +08:00
            let midnight = 1_759_939_200.0  // 2025-10-09 00:00 +08:00
            try await store.insert([
                Records.make("today-early", at: Date(timeIntervalSince1970: midnight + 600)),
                Records.make("yesterday-late", at: Date(timeIntervalSince1970: midnight - 600)),
                Records.make("six-days", at: Date(timeIntervalSince1970: midnight - 6 * 86_400 + 60)),
                Records.make("seven-days", at: Date(timeIntervalSince1970: midnight - 6 * 86_400 - 60)),
                Records.make("old", at: Date(timeIntervalSince1970: midnight - 40 * 86_400)),
            ])
            #expect(try await store.tokenStats(.today, timeZone: zone, now: now).summary.totals.requests == 1)
            #expect(try await store.tokenStats(.sevenDays, timeZone: zone, now: now).summary.totals.requests == 3)
            #expect(try await store.tokenStats(.thirtyDays, timeZone: zone, now: now).summary.totals.requests == 4)
            #expect(try await store.tokenStats(.all, timeZone: zone, now: now).summary.totals.requests == 5)
            let today = try await store.tokenStats(.today, timeZone: zone, now: now)
            #expect(Array(today.daily.keys) == ["2025-10-09"])
            #expect(today.period.from == "2025-10-09T00:00:00+08:00")
            #expect(today.period.to == "2025-10-10T00:00:00+08:00")
            #expect(today.generatedAt == "2025-10-09 16:53:20")
            let exported = try await store.requests(in: .sevenDays, timeZone: zone, now: now)
            #expect(exported.map(\.requestID) == ["six-days", "yesterday-late", "today-early"])
        }
    }

    @Test("Export as CSV and JSON", arguments: TestBackend.all)
    func export(backend: TestBackend) async throws {
        try await withStore(backend) { store, _ in
            let records = Records.random(count: 120, days: 2, seed: 7) + [
                Records.make("evil", model: "=HYPERLINK(\"http://x\")", client: "a,b\nc"),
            ]
            try await store.insert(records)
            let json = try await store.export(.all, format: .json)
            let decoded = try JSONDecoder().decode([StoredRequest].self, from: json)
            #expect(decoded.count == records.count)
            #expect(Set(decoded.map(\.requestID)) == Set(records.map(\.requestID)))
            let paged = try await store.requests(in: .all, pageSize: 7)
            #expect(paged == decoded)

            let csv = String(decoding: try await store.export(.all, format: .csv), as: UTF8.self)
            let lines = csv.components(separatedBy: "\r\n").filter { !$0.isEmpty }
            #expect(lines.first?.hasPrefix("request_id,started_at,client,") == true)
            #expect(csv.contains("\"'=HYPERLINK(\"\"http://x\"\")\""))
            #expect(csv.contains("\"a,b\nc\""))
            #expect(lines.count == records.count + 1)  // header + one line per row (the quoted "\n" is not a CRLF)
        }
    }

    @Test("Retention keeps rollups unless asked; reset clears everything", arguments: TestBackend.all)
    func retentionAndReset(backend: TestBackend) async throws {
        try await withStore(backend) { store, _ in
            let now = Records.base
            try await store.insert([
                Records.make("old", at: now.addingTimeInterval(-40 * 86_400)),
                Records.make("older", at: now.addingTimeInterval(-50 * 86_400)),
                Records.make("new", at: now.addingTimeInterval(-86_400)),
            ])
            #expect(try await store.deleteOlderThan(days: 30, now: now) == 2)
            #expect(try await store.requestCount() == 1)
            #expect(try await store.tokenStats(.all).summary.totals.requests == 3)
            #expect(try await store.verifyRollups().isConsistent)

            #expect(try await store.deleteOlderThan(days: 30, includingRollups: true, now: now) == 0)
            #expect(try await store.tokenStats(.all).summary.totals.requests == 1)

            #expect(try await store.reset() == 1)
            #expect(try await store.requestCount() == 0)
            let empty = try await store.tokenStats(.all)
            #expect(empty.summary.totals == TokenTotals())
            #expect(empty.byModel.isEmpty && empty.daily.isEmpty)
        }
    }

    @Test("Rebuilding rollups from raw rows reproduces them", arguments: TestBackend.all)
    func rebuild(backend: TestBackend) async throws {
        try await withStore(backend) { store, _ in
            try await store.insert(Records.random(count: 400, days: 3, seed: 9))
            let before = try await store.tokenStats(.all)
            try await store.rebuildRollups()
            #expect(try await store.tokenStats(.all, now: Date()).summary == before.summary)
            #expect(try await store.verifyRollups().isConsistent)
        }
    }

    @Test("Costs from the price table", arguments: TestBackend.all)
    func costs(backend: TestBackend) async throws {
        try await withStore(backend) { store, _ in
            try await store.insert([
                Records.make("s", model: "claude-sonnet-4-5", usage: TokenUsage(input: 1_000_000, output: 1_000_000)),
                Records.make("g", model: "gpt-5.1-codex", upstream: "up-b", usage: TokenUsage(input: 2_000_000, cacheRead: 1_000_000)),
                Records.make("x", model: "mystery-model", usage: TokenUsage(input: 5)),
            ])
            let stats = try await store.tokenStats(.all, prices: .defaults)
            let sonnet = try #require(stats.byModel["claude-sonnet-4-5"]?.costUSD)
            #expect(abs(sonnet - 18) < 1e-9)
            let codex = try #require(stats.byModel["gpt-5.1-codex"]?.costUSD)
            #expect(abs(codex - 2.625) < 1e-9)
            #expect(stats.byModel["mystery-model"]?.costUSD == 0)
            #expect(stats.unpricedModels == ["mystery-model"])
            #expect(abs((stats.summary.totals.costUSD ?? 0) - 20.625) < 1e-9)
            #expect(abs((stats.summary.totals.costLocal ?? 0) - 20.625 * 7.2) < 1e-9)
            #expect(abs((stats.byUpstream["up-b"]?.costUSD ?? 0) - 2.625) < 1e-9)
            #expect(stats.currency == .cny)
            let day = try #require(stats.daily.values.first)
            #expect(abs((day.totals.costUSD ?? 0) - 20.625) < 1e-9)
        }
    }

    @Test("Two stores on the same database see each other's rows", arguments: TestBackend.all)
    func secondConnection(backend: TestBackend) async throws {
        try await withStore(backend) { store, fixture in
            try await store.insert([Records.make("one")])
            let other = try fixture.openAnother()
            try await withRunning(other) {
                #expect(try await other.requestCount() == 1)
                try await other.insert([Records.make("two"), Records.make("one")])
            }
            #expect(try await store.requestCount() == 2)
            #expect(try await store.tokenStats(.all).summary.totals.requests == 2)
        }
    }
}

extension UsageStoreTests {
    static func localDay(_ date: Date, _ timeZone: TimeZone) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let parts = calendar.dateComponents([.year, .month, .day], from: date)
        return String(format: "%04d-%02d-%02d", parts.year ?? 0, parts.month ?? 0, parts.day ?? 0)
    }

    static func dailyTotals(_ records: [RequestRecord], timeZone: TimeZone) -> [String: ExpectedTotals] {
        var result: [String: ExpectedTotals] = [:]
        for record in records { result[localDay(record.startedAt, timeZone), default: .init()].add(record) }
        return result
    }

    static func dailyModelTotals(_ records: [RequestRecord], timeZone: TimeZone) -> [String: [String: ExpectedTotals]] {
        var result: [String: [String: ExpectedTotals]] = [:]
        for record in records {
            let model = record.servedModel ?? record.requestedModel ?? TokenStats.unknownName
            result[localDay(record.startedAt, timeZone), default: [:]][model, default: .init()].add(record)
        }
        return result
    }
}
