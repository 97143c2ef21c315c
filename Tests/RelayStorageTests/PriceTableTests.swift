import Foundation
import RelayCore
import RelayStorage
import Testing

@Suite("PriceTable")
struct PriceTableTests {
    @Test("Fuzzy family matching picks the most specific rule", arguments: [
        ("claude-opus-4-5-20251101", 5.0), ("claude-opus-4-6", 5), ("claude-opus-4-1-20250805", 15),
        ("claude-opus-4-20250514", 15), ("claude-opus-4", 15), ("claude-opus-4-0", 15), ("claude-3-opus-20240229", 15),
        ("claude-sonnet-4-5", 3), ("claude-sonnet-4.5", 3), ("anthropic/claude-sonnet-4-5@20250929", 3),
        ("claude-3-7-sonnet-latest", 3), ("claude-haiku-4-5", 1), ("claude-3-5-haiku-20241022", 0.8),
        ("claude-3-haiku-20240307", 0.25), ("gpt-5", 1.25), ("gpt-5-2025-08-07", 1.25), ("gpt-5-codex", 1.25),
        ("gpt-5.1-codex", 1.25), ("gpt-5.1-codex-max", 1.25), ("gpt-5.1-codex-mini", 0.25), ("gpt-5-mini", 0.25),
        ("gpt-5-mini-2025-08-07", 0.25), ("gpt-5-nano", 0.05), ("gpt-5.2", 1.75), ("gpt-5.2-codex", 1.75),
        ("GPT-5.3-Codex", 1.75), ("openai/gpt-4o-mini", 0.15),
    ])
    func matching(model: String, input: Double) throws {
        let price = try #require(PriceTable.defaults.price(for: model))
        #expect(price.input == input)
    }

    @Test("Unknown models are unpriced unless a fallback is set")
    func unknown() {
        #expect(PriceTable.defaults.price(for: "llama-3.1-70b") == nil)
        #expect(PriceTable.defaults.price(for: "") == nil)
        var table = PriceTable.defaults
        table.fallback = .anthropic(input: 3, output: 15)
        #expect(table.price(for: "llama-3.1-70b")?.input == 3)
    }

    @Test("Appended rules override defaults of the same pattern; `$` anchors at the end")
    func overrides() {
        let table = PriceTable.defaults.adding([PriceTable.Rule("sonnet-4-5", .anthropic(input: 6, output: 22.5))])
        #expect(table.price(for: "claude-sonnet-4-5-20250929")?.input == 6)
        #expect(table.price(for: "claude-sonnet-4")?.input == 3)
        let anchored = PriceTable(rules: [PriceTable.Rule("mini$", .openAI(input: 1, output: 1, cachedInput: 1))])
        #expect(anchored.price(for: "gpt-5-mini") != nil)
        #expect(anchored.price(for: "gpt-5-mini-2025") == nil)
    }

    @Test("Costs: non-overlapping categories, 1-hour cache writes, reasoning not charged twice")
    func costs() throws {
        let sonnet = try #require(PriceTable.defaults.price(for: "claude-sonnet-4-5"))
        #expect(sonnet == ModelPrice(input: 3, output: 15, cacheWrite: 3.75, cacheWrite1h: 6, cacheRead: 0.3))
        let usage = TokenUsage(input: 1000, output: 2000, cacheWrite: 10_000, cacheWrite5m: 6000, cacheWrite1h: 4000, cacheRead: 100_000, reasoning: 500)
        let cost = try #require(PriceTable.defaults.cost(of: usage, model: "claude-sonnet-4-5"))
        let parts: [Double] = [1000 * 3, 2000 * 15, 6000 * 3.75, 4000 * 6, 100_000 * 0.3]
        let expected = parts.reduce(0, +) / 1_000_000
        #expect(abs(cost - expected) < 1e-12)
        let codex = try #require(PriceTable.defaults.cost(of: TokenUsage(input: 1_000_000, output: 0, cacheRead: 1_000_000), model: "gpt-5-codex"))
        #expect(abs(codex - 1.375) < 1e-12)
        #expect(PriceTable.defaults.cost(of: TokenUsage(), model: "claude-opus-4-5") == 0)
        #expect(PriceTable.defaults.cost(of: usage, model: "mystery") == nil)
    }

    @Test("The table round-trips through JSON (configurable prices)")
    func codable() throws {
        let data = try JSONEncoder().encode(PriceTable.defaults)
        let decoded = try JSONDecoder().decode(PriceTable.self, from: data)
        #expect(decoded == PriceTable.defaults)
        let text = String(decoding: try JSONEncoder().encode(DisplayCurrency.cny), as: UTF8.self)
        #expect(text.contains("\"per_usd\":7.2"))
    }
}

@Suite("Stats types")
struct StatsTypeTests {
    @Test("Period parsing")
    func periods() {
        #expect(StatsPeriod("today") == .today)
        #expect(StatsPeriod("7d") == .sevenDays)
        #expect(StatsPeriod("30D") == .thirtyDays)
        #expect(StatsPeriod("1d") == .today)
        #expect(StatsPeriod("all") == .all)
        #expect(StatsPeriod("0d") == nil)
        #expect(StatsPeriod("week") == nil)
        #expect(StatsPeriod.sevenDays.label == "7d")
    }

    @Test("JSON keeps the original's shape and adds the new sections")
    func shape() throws {
        var totals = TokenTotals()
        totals.requests = 2
        totals.inputTokens = 10
        totals.outputTokens = 20
        totals.cacheCreationTokens = 30
        totals.cacheReadTokens = 40
        let stats = TokenStats(
            summary: .init(totals: totals, uniqueModels: ["m"]), byModel: ["m": totals], byUpstream: ["u": totals],
            byClient: ["c": totals], daily: ["2025-10-09": .init(totals: totals, models: ["m": 2], byModel: ["m": totals])],
            period: .init(label: "today", from: nil, to: nil, timeZone: "UTC"), currency: nil, unpricedModels: [],
            generatedAt: "2025-10-09 00:00:00"
        )
        let data = try JSONEncoder().encode(stats)
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let summary = try #require(object["summary"] as? [String: Any])
        for key in ["total_requests", "total_tokens", "total_input_tokens", "total_output_tokens", "total_cache_creation_tokens",
                    "total_cache_read_tokens", "unique_models"] {
            #expect(summary[key] != nil, "summary.\(key)")
        }
        #expect(summary["total_tokens"] as? Int == 100)
        #expect(summary["cost_usd"] == nil)
        let day = try #require((object["daily"] as? [String: Any])?["2025-10-09"] as? [String: Any])
        #expect((day["models"] as? [String: Int]) == ["m": 2])
        #expect(((day["by_model"] as? [String: Any])?["m"] as? [String: Any])?["total_output_tokens"] as? Int == 20)
        #expect(object["by_upstream"] != nil && object["by_client"] != nil && object["by_model"] != nil)
        #expect(object["generated_at"] as? String == "2025-10-09 00:00:00")
        #expect(try JSONDecoder().decode(TokenStats.self, from: data) == stats)
    }

    @Test("Configuration errors are reported, not crashes")
    func configuration() {
        #expect(throws: UsageStoreError.self) { try UsageStore(.postgres(url: "mysql://x@y/z")) }
        #expect(throws: UsageStoreError.self) { try UsageStore(.postgres(url: "postgres://u:p@h/db", schema: "Bad-Name")) }
        #expect(throws: UsageStoreError.self) { try UsageStore(.postgres(url: "postgres://u@h/db?sslmode=sometimes")) }
        #expect(throws: UsageStoreError.self) { try UsageStore(.sqlite(path: ":memory:")) }
        #expect(throws: Never.self) { try UsageStore(.postgres(url: "postgresql://u:p%40ss@localhost:5432/db?sslmode=require")) }
    }
}
