/// One step of a streamed answer with no vendor's framing (PROTOCOLS.md §5.0): upstream stream
/// decoders emit these, client stream encoders consume them.
///
/// Ordering invariant: `start` first; each block is `blockStart`, its deltas, `blockStop`, with
/// block indexes as the upstream numbered them; `finish` after the last block; `end` last. An
/// `error` may come at any point and nothing follows it.
public enum CanonicalStreamEvent: Sendable, Equatable {
    /// The upstream message id and model, and the usage known so far.
    case start(id: String?, model: String?, usage: TokenUsage)
    case blockStart(index: Int, block: CanonicalBlockStart)
    case textDelta(index: Int, text: String)
    case thinkingDelta(index: Int, text: String)
    /// A reasoning block's signature (replaces any earlier one).
    case signature(index: Int, signature: String)
    /// A fragment of a tool call's JSON arguments; fragments concatenate, and may be invalid JSON
    /// until the block stops.
    case toolArgumentsDelta(index: Int, fragment: String)
    case blockStop(index: Int)
    /// The stop reason and the cumulative usage so far.
    case finish(reason: CanonicalStopReason?, stopSequence: String?, usage: TokenUsage)
    /// The upstream's terminal event: the answer is complete.
    case end
    /// An in-band upstream error (`type` in the upstream's vocabulary, e.g. `overloaded_error`).
    case error(type: String, message: String)
}

/// The kind of a content block as it opens.
public enum CanonicalBlockStart: Sendable, Equatable {
    /// Text; usually empty at start.
    case text(String)
    case thinking(String)
    /// Complete on start.
    case redactedThinking(data: String)
    /// A client tool call. `input` is the input the start event carried (usually `{}`); used only
    /// when no argument fragments follow.
    case toolCall(id: String, name: String, input: JSONValue?)
    /// A provider block (server tools and their results) that clients never see as tool calls.
    case opaque(type: String, raw: JSONValue)
}
