/// One model rename rule as RelayCore sees it (the config layer's `ModelRule` maps onto this, so
/// RelayCore does not depend on RelayConfig).
public struct ModelRulePattern: Sendable, Equatable {
    public enum Kind: String, Sendable, Equatable, CaseIterable {
        /// The whole name equals `source`.
        case exact
        /// The name starts with `source`.
        case prefix
        /// `source` is a glob over the whole name: `*` any run of characters, `?` one character.
        case glob
    }

    public var source: String
    public var target: String
    public var kind: Kind
    public var enabled: Bool

    public init(source: String, target: String, kind: Kind = .exact, enabled: Bool = true) {
        self.source = source
        self.target = target
        self.kind = kind
        self.enabled = enabled
    }

    /// Whether this rule's pattern matches `model` (ignores `enabled`). Case-sensitive, like model ids.
    public func matches(_ model: String) -> Bool {
        switch kind {
        case .exact: model == source
        case .prefix: model.hasPrefix(source)
        case .glob: Self.glob(Array(source.unicodeScalars), matches: Array(model.unicodeScalars))
        }
    }

    /// Iterative glob match with single-star backtracking: linear in practice, no recursion.
    static func glob(_ pattern: [Unicode.Scalar], matches text: [Unicode.Scalar]) -> Bool {
        var p = 0
        var t = 0
        var starP = -1
        var starT = 0
        while t < text.count {
            if p < pattern.count, pattern[p] == "?" || (pattern[p] != "*" && pattern[p] == text[t]) {
                p += 1
                t += 1
            } else if p < pattern.count, pattern[p] == "*" {
                starP = p
                starT = t
                p += 1
            } else if starP >= 0 {
                p = starP + 1
                starT += 1
                t = starT
            } else {
                return false
            }
        }
        while p < pattern.count, pattern[p] == "*" { p += 1 }
        return p == pattern.count
    }
}

/// Ordered model rename rules: the first enabled rule whose pattern matches wins. Pure and
/// `Sendable`, so a config snapshot can hold one and every request reads it without locks.
public struct ModelRuleMatcher: Sendable, Equatable {
    public var rules: [ModelRulePattern]

    public init(rules: [ModelRulePattern]) {
        self.rules = rules
    }

    /// The target of the first enabled matching rule, or nil when none matches.
    public func target(for model: String) -> String? {
        firstMatch(for: model)?.rule.target
    }

    /// The first enabled matching rule and its position (for logs and the admin UI).
    public func firstMatch(for model: String) -> (index: Int, rule: ModelRulePattern)? {
        for (index, rule) in rules.enumerated() where rule.enabled && rule.matches(model) {
            return (index, rule)
        }
        return nil
    }

    /// Documented defaults for OpenAI model names sent to the Chat route of an Anthropic pool.
    ///
    /// Most specific first. Small and "mini"/"nano" models go to Haiku, the rest to Sonnet, and
    /// the o-series reasoning models to Sonnet with thinking on (the `-thinking` suffix in the
    /// target turns it on; see ``ThinkingModelSuffix``). Targets are Anthropic aliases, so they
    /// follow the newest snapshot; the lead exposes these as editable defaults, not hard rules.
    public static let defaultOpenAIRules: [ModelRulePattern] = [
        ModelRulePattern(source: "gpt-4o-mini*", target: "claude-haiku-4-5", kind: .glob),
        ModelRulePattern(source: "gpt-4.1-mini*", target: "claude-haiku-4-5", kind: .glob),
        ModelRulePattern(source: "gpt-4.1-nano*", target: "claude-haiku-4-5", kind: .glob),
        ModelRulePattern(source: "gpt-5*-mini*", target: "claude-haiku-4-5", kind: .glob),
        ModelRulePattern(source: "gpt-5*-nano*", target: "claude-haiku-4-5", kind: .glob),
        ModelRulePattern(source: "gpt-3.5-turbo*", target: "claude-haiku-4-5", kind: .glob),
        ModelRulePattern(source: "o1*", target: "claude-sonnet-4-5-thinking", kind: .glob),
        ModelRulePattern(source: "o3*", target: "claude-sonnet-4-5-thinking", kind: .glob),
        ModelRulePattern(source: "o4*", target: "claude-sonnet-4-5-thinking", kind: .glob),
        ModelRulePattern(source: "gpt-4o*", target: "claude-sonnet-4-5", kind: .glob),
        ModelRulePattern(source: "gpt-4.1*", target: "claude-sonnet-4-5", kind: .glob),
        ModelRulePattern(source: "gpt-4*", target: "claude-sonnet-4-5", kind: .glob),
        ModelRulePattern(source: "gpt-5*", target: "claude-sonnet-4-5", kind: .glob),
    ]
}
