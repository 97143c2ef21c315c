import Foundation

/// What the relay knows about Claude model names without asking an upstream: output caps and the
/// thinking style, parsed from the name so dated ids (`claude-sonnet-4-5-20250929`), aliases
/// (`claude-sonnet-4-5`), old-style ids (`claude-3-7-sonnet-latest`) and provider-prefixed ids
/// (`anthropic/claude-…`, `us.anthropic.claude-…-v1:0`) all resolve.
///
/// Names that are not Claude (other vendors behind Anthropic-compatible upstreams) return nil
/// caps and `.budget` thinking, the form most compatible servers accept.
public enum ClaudeModelCatalog {
    /// A parsed Claude model name.
    public struct ModelID: Sendable, Equatable {
        /// `opus`, `sonnet`, `haiku`.
        public var family: String
        public var major: Int
        public var minor: Int
    }

    /// Parses the first `claude-…` name inside `model`; nil when there is none or it is malformed.
    /// Runs several times per translated request, so it avoids Foundation and temporary sets.
    public static func parse(_ model: String) -> ModelID? {
        let lower = model.lowercased()
        guard let rest = after("claude-", in: lower) else { return nil }
        let tokens = rest.split(separator: "-")
        func isFamily(_ token: Substring) -> Bool { token == "opus" || token == "sonnet" || token == "haiku" }
        func version(at index: Int) -> (major: Int, minor: Int)? {
            guard index < tokens.count, tokens[index].count <= 2, let major = Int(tokens[index]) else { return nil }
            if index + 1 < tokens.count, tokens[index + 1].count <= 2, let minor = Int(tokens[index + 1]) {
                return (major, minor)
            }
            return (major, 0)
        }
        guard let first = tokens.first else { return nil }
        if isFamily(first), let version = version(at: 1) {
            return ModelID(family: String(first), major: version.major, minor: version.minor)
        }
        if let version = version(at: 0) {
            let familyIndex = version.minor == 0 && (tokens.count < 2 || Int(tokens[1]) == nil) ? 1 : 2
            if familyIndex < tokens.count, isFamily(tokens[familyIndex]) {
                return ModelID(family: String(tokens[familyIndex]), major: version.major, minor: version.minor)
            }
        }
        return nil
    }

    /// The text after the first occurrence of the ASCII `marker`, by bytes (the standard
    /// library's `firstRange(of:)` builds a search table on every call).
    static func after(_ marker: StaticString, in text: String) -> Substring? {
        let utf8 = text.utf8
        let count = marker.utf8CodeUnitCount
        let pattern = UnsafeBufferPointer(start: marker.utf8Start, count: count)
        var start = utf8.startIndex
        while let candidate = utf8[start...].firstIndex(of: pattern[0]) {
            if let end = utf8.index(candidate, offsetBy: count, limitedBy: utf8.endIndex), utf8[candidate..<end].elementsEqual(pattern) {
                return text[end...]
            }
            start = utf8.index(after: candidate)
        }
        return nil
    }

    /// The model's maximum `max_tokens` per Anthropic's model table (Aug 2026), or nil when unknown
    /// (no clamping then).
    public static func maxOutputTokens(for model: String) -> Int? {
        guard let id = parse(model) else { return nil }
        switch (id.family, id.major, id.minor) {
        case ("opus", 4, 0), ("opus", 4, 1): return 32_000
        case ("opus", 4, 5): return 64_000
        case ("opus", let major, let minor) where major > 4 || (major == 4 && minor >= 6): return 128_000
        case ("sonnet", 3, 7), ("sonnet", 4, _), ("haiku", 4, _): return 64_000
        case ("sonnet", let major, _) where major > 4: return 64_000
        case ("haiku", let major, _) where major > 4: return 64_000
        case (_, 3, 5): return 8_192
        case (_, 3, 0): return 4_096
        default: return nil
        }
    }

    /// How the model takes a thinking request.
    public static func thinkingStyle(for model: String) -> ClaudeThinkingStyle {
        guard let id = parse(model) else { return .budget }
        if id.major > 4 || (id.major == 4 && id.minor >= 6) { return .adaptive }
        if id.major == 4 || (id.major == 3 && id.minor == 7) { return .budget }
        return .unsupported
    }
}

/// The three ways an Anthropic model takes a thinking request (PROTOCOLS.md §2.2, §5.11).
public enum ClaudeThinkingStyle: String, Sendable, Equatable {
    /// `{"type":"enabled","budget_tokens":N}` with `1024 ≤ N < max_tokens` (Claude 3.7 to 4.5).
    case budget
    /// `{"type":"adaptive"}` plus `output_config.effort` (Claude 4.6 and later; required from 4.7).
    case adaptive
    /// No extended thinking (Claude 3.0 and 3.5): thinking requests are dropped, not sent.
    case unsupported
}
