import Testing

@testable import RelayCore

@Suite struct ModelRuleTests {
    @Test(arguments: [
        ("gpt-4o", "gpt-4o", ModelRulePattern.Kind.exact, true),
        ("gpt-4o", "gpt-4o-mini", .exact, false),
        ("gpt-4o", "gpt-4o-mini", .prefix, true),
        ("gpt-4o", "gpt-4", .prefix, false),
        ("gpt-4*", "gpt-4o-mini", .glob, true),
        ("gpt-?o", "gpt-4o", .glob, true),
        ("gpt-?o", "gpt-45o", .glob, false),
        ("*-mini", "o4-mini", .glob, true),
        ("*-mini", "o4-mini-high", .glob, false),
        ("a*b*c", "axxbyyc", .glob, true),
        ("a*b*c", "axxbyy", .glob, false),
        ("**", "", .glob, true),
        ("*", "anything at all", .glob, true),
        ("claude-*-4-5", "claude-sonnet-4-5", .glob, true),
        ("世界?", "世界x", .glob, true),
        ("GPT-4o", "gpt-4o", .exact, false),
    ])
    func patterns(source: String, model: String, kind: ModelRulePattern.Kind, matches: Bool) {
        #expect(ModelRulePattern(source: source, target: "t", kind: kind).matches(model) == matches)
    }

    @Test func firstEnabledMatchWins() {
        let matcher = ModelRuleMatcher(rules: [
            ModelRulePattern(source: "gpt-4o", target: "disabled", kind: .exact, enabled: false),
            ModelRulePattern(source: "gpt-4", target: "prefix", kind: .prefix),
            ModelRulePattern(source: "gpt-4o", target: "exact", kind: .exact),
        ])
        #expect(matcher.target(for: "gpt-4o") == "prefix")
        #expect(matcher.firstMatch(for: "gpt-4o")?.index == 1)
        #expect(matcher.target(for: "claude") == nil)
    }

    @Test func defaultOpenAIRules() {
        let matcher = ModelRuleMatcher(rules: ModelRuleMatcher.defaultOpenAIRules)
        #expect(matcher.target(for: "gpt-4o") == "claude-sonnet-4-5")
        #expect(matcher.target(for: "gpt-4o-2024-08-06") == "claude-sonnet-4-5")
        #expect(matcher.target(for: "gpt-4o-mini") == "claude-haiku-4-5")
        #expect(matcher.target(for: "gpt-4.1-nano") == "claude-haiku-4-5")
        #expect(matcher.target(for: "gpt-5-mini") == "claude-haiku-4-5")
        #expect(matcher.target(for: "gpt-5.1-codex-mini") == "claude-haiku-4-5")
        #expect(matcher.target(for: "gpt-5.1") == "claude-sonnet-4-5")
        #expect(matcher.target(for: "gpt-3.5-turbo") == "claude-haiku-4-5")
        #expect(matcher.target(for: "o3") == "claude-sonnet-4-5-thinking")
        #expect(matcher.target(for: "claude-sonnet-4-5") == nil)
        for rule in ModelRuleMatcher.defaultOpenAIRules {
            #expect(ClaudeModelCatalog.parse(rule.target) != nil, "\(rule.target) is a Claude name")
        }
    }

    @Test func thinkingSuffixAndResolution() {
        #expect(ThinkingModelSuffix.split("claude-sonnet-4-5-thinking") == ("claude-sonnet-4-5", true))
        #expect(ThinkingModelSuffix.split("-thinking") == ("-thinking", false))
        #expect(ThinkingModelSuffix.split("claude") == ("claude", false))
        let rules: [String: String] = ["x-thinking": "claude-a", "gpt-4o": "claude-b", "o3": "claude-c-thinking"]
        let rename: (String) -> String? = { rules[$0] }
        #expect(ResolvedModel.resolve("x-thinking", rename: rename) == ResolvedModel(requested: "x-thinking", upstream: "claude-a", thinkingFromSuffix: true))
        #expect(ResolvedModel.resolve("gpt-4o-thinking", rename: rename).upstream == "claude-b")
        #expect(ResolvedModel.resolve("gpt-4o", rename: rename).thinkingFromSuffix == false)
        #expect(ResolvedModel.resolve("o3", rename: rename) == ResolvedModel(requested: "o3", upstream: "claude-c", thinkingFromSuffix: true))
        #expect(ResolvedModel.resolve("plain", rename: rename).upstream == "plain")
    }

    @Test func claudeCatalog() {
        let cases: [(String, String?, Int?, ClaudeThinkingStyle)] = [
            ("claude-sonnet-4-5-20250929", "sonnet", 64000, .budget),
            ("claude-sonnet-4-5", "sonnet", 64000, .budget),
            ("claude-sonnet-4-20250514", "sonnet", 64000, .budget),
            ("claude-opus-4-1-20250805", "opus", 32000, .budget),
            ("claude-opus-4-6", "opus", 128_000, .adaptive),
            ("claude-opus-4-7", "opus", 128_000, .adaptive),
            ("claude-haiku-4-5", "haiku", 64000, .budget),
            ("claude-3-7-sonnet-latest", "sonnet", 64000, .budget),
            ("claude-3-5-haiku-20241022", "haiku", 8192, .unsupported),
            ("claude-3-haiku-20240307", "haiku", 4096, .unsupported),
            ("us.anthropic.claude-sonnet-4-5-20250929-v1:0", "sonnet", 64000, .budget),
            ("anthropic/claude-opus-4-5", "opus", 64000, .budget),
            ("glm-4.6", nil, nil, .budget),
        ]
        for (name, family, cap, style) in cases {
            #expect(ClaudeModelCatalog.parse(name)?.family == family, "\(name)")
            #expect(ClaudeModelCatalog.maxOutputTokens(for: name) == cap, "\(name)")
            #expect(ClaudeModelCatalog.thinkingStyle(for: name) == style, "\(name)")
        }
    }

    @Test func sanitizedIDs() {
        #expect(AnthropicRequestEncoder.sanitizedID("call_abc-1") == "call_abc-1")
        #expect(AnthropicRequestEncoder.sanitizedID("call:abc/1é") == "call_abc_1_")
        #expect(AnthropicRequestEncoder.sanitizedID("") == "_")
    }
}

@Suite struct JSONBytesWriterTests {
    @Test func matchesSerializedByteForByte() throws {
        let samples: [JSONValue] = [
            .null, true, 0, -3, .number(1.5), .number(1e300), .number(-0.25), "", "plain",
            .string("quote\" backslash\\ nl\n cr\r tab\t bs\u{08} ff\u{0C} nul\u{00} us\u{1F} del\u{7F} é 世界 🎉 \u{2028}"),
            [], [:], ["b": 1, "a": [1, "x", nil, ["k": false]]],
            try JSONValue.parse(#"{"z":{"y":[1,2,{"x":"\u00e9\ud83c\udf89"}]},"a":"\/"}"#),
        ]
        for sample in samples {
            #expect(sample.compactUTF8() == Array(sample.serialized().utf8), "\(sample.serialized())")
            #expect(try JSONValue.parse(sample.compactUTF8()) == sample)
        }
    }
}
