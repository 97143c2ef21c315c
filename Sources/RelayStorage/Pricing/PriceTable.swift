import RelayCore

/// Model name → price, with the original project's fuzzy family matching made predictable.
///
/// Matching: the model name is normalised (lower case, provider prefix such as `anthropic/`
/// dropped, `.` `_` `@` and spaces turned into `-`, so `claude-sonnet-4.5` and
/// `claude-sonnet-4-5@20250929` both read as `…sonnet-4-5…`). A rule matches when its pattern
/// occurs in that name not followed by a digit (so `gpt-5-2` does not match the dated
/// `gpt-5-2025-08-07`), or — for a pattern ending in `$` — when the name ends with it. Among
/// matching rules the longest pattern wins (so `gpt-5-mini` beats `gpt-5`, `opus-4-1` beats
/// `opus`); on equal length the later rule wins, so appending user rules overrides defaults.
/// No match: `fallback` (nil by default, so an unknown model is reported as unpriced rather
/// than silently billed at another model's price, which the original did with Sonnet's).
public struct PriceTable: Sendable, Equatable, Codable {
    public struct Rule: Sendable, Equatable, Codable {
        public var pattern: String
        public var price: ModelPrice

        public init(_ pattern: String, _ price: ModelPrice) {
            self.pattern = pattern
            self.price = price
        }
    }

    public var rules: [Rule]
    public var fallback: ModelPrice?
    public var currency: DisplayCurrency

    public init(rules: [Rule], fallback: ModelPrice? = nil, currency: DisplayCurrency = .cny) {
        self.rules = rules
        self.fallback = fallback
        self.currency = currency
    }

    /// This table with `overrides` taking precedence over rules of the same pattern.
    public func adding(_ overrides: [Rule]) -> PriceTable {
        var copy = self
        copy.rules.append(contentsOf: overrides)
        return copy
    }

    /// The price for `model`, nil when neither a rule nor the fallback applies.
    public func price(for model: String) -> ModelPrice? {
        let name = Self.normalize(model)
        guard !name.isEmpty else { return fallback }
        var best: (length: Int, price: ModelPrice)?
        for rule in rules {
            var pattern = Self.normalize(rule.pattern)
            let anchored = pattern.hasSuffix("$")
            if anchored { pattern.removeLast() }
            guard !pattern.isEmpty else { continue }
            let matches = anchored ? name.hasSuffix(pattern) : Self.occurs(pattern, in: name)
            if matches, pattern.count >= (best?.length ?? 0) {
                best = (pattern.count, rule.price)
            }
        }
        return best?.price ?? fallback
    }

    /// USD for one request's usage (unknown counts cost nothing); nil when `model` is unpriced.
    public func cost(of usage: TokenUsage, model: String) -> Double? {
        price(for: model)?.cost(
            input: usage.input ?? 0, output: usage.output ?? 0, cacheWrite: usage.cacheWrite ?? 0,
            cacheWrite1h: usage.cacheWrite1h ?? 0, cacheRead: usage.cacheRead ?? 0
        )
    }

    /// USD for aggregated totals of one model; nil when `model` is unpriced.
    public func cost(of totals: TokenTotals, model: String) -> Double? {
        price(for: model)?.cost(
            input: totals.inputTokens, output: totals.outputTokens, cacheWrite: totals.cacheCreationTokens,
            cacheWrite1h: totals.cacheCreation1hTokens, cacheRead: totals.cacheReadTokens
        )
    }

    /// True when `pattern` occurs in `name` at a place not followed by a digit.
    static func occurs(_ pattern: String, in name: String) -> Bool {
        for range in name.ranges(of: pattern) {
            if range.upperBound == name.endIndex || !name[range.upperBound].isNumber { return true }
        }
        return false
    }

    static func normalize(_ model: String) -> String {
        var name = model.lowercased()
        if let slash = name.lastIndex(of: "/") { name = String(name[name.index(after: slash)...]) }
        return String(name.map { character -> Character in
            switch character {
            case ".", "_", "@", " ", ":": "-"
            default: character
            }
        })
    }

    /// Prices as published by Anthropic and OpenAI for their current models (USD per million
    /// tokens). Family rules (`opus`, `sonnet`, `haiku`, `gpt-5`, `codex`) price a new
    /// version like the latest known one of its family until the table is updated.
    public static let defaults = PriceTable(rules: [
        // Anthropic. Opus 4.5 and later are 5/25; Opus 4 and 4.1 (and 3) were 15/75.
        Rule("opus", .anthropic(input: 5, output: 25)),
        Rule("opus-4-1", .anthropic(input: 15, output: 75)),
        Rule("opus-4-0", .anthropic(input: 15, output: 75)),
        Rule("opus-4-20250514", .anthropic(input: 15, output: 75)),
        Rule("opus-4$", .anthropic(input: 15, output: 75)),
        Rule("3-opus", .anthropic(input: 15, output: 75)),
        Rule("sonnet", .anthropic(input: 3, output: 15)),
        Rule("haiku", .anthropic(input: 1, output: 5)),
        Rule("haiku-3-5", .anthropic(input: 0.8, output: 4)),
        Rule("3-5-haiku", .anthropic(input: 0.8, output: 4)),
        Rule("3-haiku", ModelPrice(input: 0.25, output: 1.25, cacheWrite: 0.30, cacheWrite1h: 0.50, cacheRead: 0.03)),
        // OpenAI GPT-5 family (Codex models included).
        Rule("gpt-5", .openAI(input: 1.25, output: 10, cachedInput: 0.125)),
        Rule("codex", .openAI(input: 1.25, output: 10, cachedInput: 0.125)),
        Rule("gpt-5-mini", .openAI(input: 0.25, output: 2, cachedInput: 0.025)),
        Rule("gpt-5-nano", .openAI(input: 0.05, output: 0.40, cachedInput: 0.005)),
        Rule("codex-mini", .openAI(input: 0.25, output: 2, cachedInput: 0.025)),
        Rule("gpt-5-pro", .openAI(input: 15, output: 120, cachedInput: 15)),
        Rule("gpt-5-2", .openAI(input: 1.75, output: 14, cachedInput: 0.175)),
        Rule("gpt-5-2-pro", .openAI(input: 21, output: 168, cachedInput: 21)),
        Rule("gpt-5-3", .openAI(input: 1.75, output: 14, cachedInput: 0.175)),
        Rule("gpt-5-4", .openAI(input: 2.50, output: 15, cachedInput: 0.25)),
        // Older OpenAI models still routed through relays.
        Rule("gpt-4-1", .openAI(input: 2, output: 8, cachedInput: 0.50)),
        Rule("gpt-4-1-mini", .openAI(input: 0.40, output: 1.60, cachedInput: 0.10)),
        Rule("gpt-4o", .openAI(input: 2.50, output: 10, cachedInput: 1.25)),
        Rule("gpt-4o-mini", .openAI(input: 0.15, output: 0.60, cachedInput: 0.075)),
    ])
}
