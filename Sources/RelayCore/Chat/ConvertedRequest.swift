/// A Chat Completions request translated for an Anthropic upstream, plus what the response
/// path must remember about it.
public struct ConvertedRequest: Sendable {
    /// The Anthropic Messages body (always `"stream": true`: the relay streams upstream even for
    /// non-streaming clients, PROTOCOLS.md §5.0).
    public var body: JSONValue
    /// The client asked for a stream.
    public var stream: Bool
    /// `stream_options.include_usage` (only meaningful when `stream`).
    public var includeUsage: Bool
    /// The model the client named; echoed in every response.
    public var requestedModel: String
    /// The model in `body` (after rules, without `-thinking`).
    public var upstreamModel: String
    /// Thinking is on in `body`.
    public var thinking: Bool
    /// Parameters that were accepted but not carried upstream, as JSON paths with an optional
    /// reason in parentheses (`seed`, `messages[3].name`, `temperature (thinking on)`), for one
    /// debug log line. Never includes values.
    public var dropped: [String]
    /// What the response converters need to know about this request.
    public var responseContext: ChatResponseContext

    public init(
        body: JSONValue, stream: Bool, includeUsage: Bool, requestedModel: String, upstreamModel: String, thinking: Bool,
        dropped: [String], responseContext: ChatResponseContext
    ) {
        self.body = body
        self.stream = stream
        self.includeUsage = includeUsage
        self.requestedModel = requestedModel
        self.upstreamModel = upstreamModel
        self.thinking = thinking
        self.dropped = dropped
        self.responseContext = responseContext
    }

    /// ``body`` as compact JSON bytes, ready to send.
    public func bodyBytes() -> [UInt8] {
        body.compactUTF8()
    }

    /// The body with another upstream model name (per-upstream model rules during failover).
    /// Only `model` changes; token limits were computed for ``upstreamModel``.
    public func body(withModel model: String) -> JSONValue {
        guard case .object(var object) = body else { return body }
        object["model"] = .string(model)
        return .object(object)
    }
}

/// Per-request facts the Anthropic → Chat response converters need.
public struct ChatResponseContext: Sendable, Equatable {
    /// Echoed as `model` in every completion and chunk.
    public var requestedModel: String
    /// Send the final `choices: []` usage chunk (streams only).
    public var includeUsage: Bool
    /// Names of tools declared as OpenAI `custom` tools: their calls are unwrapped from
    /// `{"input": "…"}` back to raw text.
    public var customToolNames: Set<String>
    /// The synthetic tool used for `response_format` when the upstream lacks native structured
    /// output: its input becomes the message content and `finish_reason` becomes `stop`.
    public var jsonToolName: String?
    /// Add `thinking_blocks` with signatures (see ``ChatConversionOptions/emitThinkingBlocks``).
    public var emitThinkingBlocks: Bool

    public init(
        requestedModel: String, includeUsage: Bool = false, customToolNames: Set<String> = [], jsonToolName: String? = nil,
        emitThinkingBlocks: Bool = false
    ) {
        self.requestedModel = requestedModel
        self.includeUsage = includeUsage
        self.customToolNames = customToolNames
        self.jsonToolName = jsonToolName
        self.emitThinkingBlocks = emitThinkingBlocks
    }
}
