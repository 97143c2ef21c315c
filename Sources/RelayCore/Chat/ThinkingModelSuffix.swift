/// The `-thinking` model-name convention: `claude-sonnet-4-5-thinking` means "this model with
/// extended thinking on". The suffix never reaches the upstream.
public enum ThinkingModelSuffix {
    public static let suffix = "-thinking"

    /// True when `model` ends in `-thinking` and has a name before it.
    public static func hasSuffix(_ model: String) -> Bool {
        model.count > suffix.count && model.hasSuffix(suffix)
    }

    /// The name without the suffix, and whether it was there.
    public static func split(_ model: String) -> (base: String, thinking: Bool) {
        guard hasSuffix(model) else { return (model, false) }
        return (String(model.dropLast(suffix.count)), true)
    }
}

/// The outcome of mapping a client's model name to an upstream one.
public struct ResolvedModel: Sendable, Equatable {
    /// What the client sent (echoed back in responses).
    public var requested: String
    /// What the upstream receives: renamed, suffix removed.
    public var upstream: String
    /// Thinking was asked for through a `-thinking` suffix on the requested name or the rule target.
    public var thinkingFromSuffix: Bool

    public init(requested: String, upstream: String, thinkingFromSuffix: Bool) {
        self.requested = requested
        self.upstream = upstream
        self.thinkingFromSuffix = thinkingFromSuffix
    }

    /// Applies `rename` (model rules; nil = no rule matched) and the suffix convention.
    ///
    /// Order: the rules see the full requested name first (so a rule for `x-thinking` works);
    /// when none matches they see the name without the suffix (so `gpt-4o-thinking` follows the
    /// `gpt-4o` rule). Thinking is on when the requested name or the chosen target carries the suffix.
    public static func resolve(_ requested: String, rename: (String) -> String?) -> ResolvedModel {
        let (base, requestedSuffix) = ThinkingModelSuffix.split(requested)
        let target = rename(requested) ?? (requestedSuffix ? rename(base) : nil) ?? base
        let (upstream, targetSuffix) = ThinkingModelSuffix.split(target)
        return ResolvedModel(requested: requested, upstream: upstream, thinkingFromSuffix: requestedSuffix || targetSuffix)
    }
}
