/// One complete model answer with no vendor's wire shape: what a non-streaming upstream body or
/// an accumulated stream decodes into, and what every client encoder renders.
public struct CanonicalResponse: Sendable, Equatable {
    /// The upstream's message id (`msg_…`), used to derive client ids.
    public var id: String?
    /// The model the upstream says served the request.
    public var model: String?
    /// Content in upstream order: reasoning, text, tool calls, opaque provider blocks.
    public var parts: [CanonicalPart]
    public var stopReason: CanonicalStopReason?
    /// The stop sequence that matched, when `stopReason == .stopSequence`.
    public var stopSequence: String?
    public var usage: TokenUsage

    public init(
        id: String? = nil, model: String? = nil, parts: [CanonicalPart] = [], stopReason: CanonicalStopReason? = nil,
        stopSequence: String? = nil, usage: TokenUsage = .init()
    ) {
        self.id = id
        self.model = model
        self.parts = parts
        self.stopReason = stopReason
        self.stopSequence = stopSequence
        self.usage = usage
    }
}

/// Why generation ended (PROTOCOLS.md §5.12), in Anthropic's vocabulary because it is the richest.
public enum CanonicalStopReason: Sendable, Equatable {
    case endTurn
    case stopSequence
    case maxTokens
    case toolUse
    case pauseTurn
    case refusal
    case contextWindowExceeded
    /// A value this relay does not know yet, kept for logs.
    case other(String)

    public init(anthropic value: String) {
        switch value {
        case "end_turn": self = .endTurn
        case "stop_sequence": self = .stopSequence
        case "max_tokens": self = .maxTokens
        case "tool_use": self = .toolUse
        case "pause_turn": self = .pauseTurn
        case "refusal": self = .refusal
        case "model_context_window_exceeded": self = .contextWindowExceeded
        default: self = .other(value)
        }
    }
}
