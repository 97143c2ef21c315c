/// Anthropic SSE → OpenAI Chat Completions SSE for one response (PROTOCOLS.md §5.3, G5, G6):
/// ``AnthropicStreamDecoder`` feeding ``ChatStreamEncoder``. Feed it the events an ``SSEParser``
/// yields from the upstream body; write each returned frame to the client as it comes.
///
/// Chunk boundaries in the upstream bytes never change the output (the parser absorbs them).
/// `[DONE]` is written only after the upstream's `message_stop`; an upstream `error` event, or a
/// body that ends early (``finish()``), yields one error frame and no `[DONE]`.
public struct AnthropicToChatStream: Sendable {
    private var decoder = AnthropicStreamDecoder()
    private var encoder: ChatStreamEncoder

    /// - Parameters:
    ///   - id: the chunk id; nil derives `chatcmpl-<message id>` from `message_start`.
    ///   - created: Unix seconds for every chunk (injected for deterministic output).
    public init(requestedModel: String, includeUsage: Bool, id: String?, created: Int) {
        self.init(context: ChatResponseContext(requestedModel: requestedModel, includeUsage: includeUsage), id: id, created: created)
    }

    /// With the request's full context (``ConvertedRequest/responseContext``).
    public init(context: ChatResponseContext, id: String?, created: Int) {
        encoder = ChatStreamEncoder(context: context, id: id, created: created)
    }

    /// Merged upstream usage so far (final once ``sawTerminal``).
    public var usage: TokenUsage { decoder.usage }
    /// The upstream sent `message_stop`.
    public var sawTerminal: Bool { decoder.sawTerminal }
    /// The upstream sent content (its commit point has passed).
    public var sawContent: Bool { decoder.sawContent }
    /// The upstream model named in `message_start`.
    public var servedModel: String? { decoder.model }
    /// The upstream's in-band error type, if one arrived.
    public var upstreamErrorType: String? { decoder.errorType }
    /// No more frames will be produced (`[DONE]` or an error frame was sent).
    public var isFinished: Bool { encoder.isFinished }
    /// Also write `[DONE]` after an error frame (PROTOCOLS.md G13(d)); default false.
    public var sendDoneAfterError: Bool {
        get { encoder.sendDoneAfterError }
        set { encoder.sendDoneAfterError = newValue }
    }

    public mutating func consume(_ event: SSEEvent) -> [String] {
        var out: [String] = []
        for canonical in decoder.consume(event) { out += encoder.consume(canonical) }
        return out
    }

    /// Call when the upstream body ends. After `message_stop` this returns nothing; otherwise one
    /// error frame, so the client sees a failure instead of a short answer.
    public mutating func finish() -> [String] {
        encoder.fail(type: "api_error", message: "The upstream stream ended before the response was complete")
    }

    /// An error frame for a failure the relay detects mid-stream (idle timeout, client-side limit).
    public mutating func fail(type: String = "api_error", message: String) -> [String] {
        encoder.fail(type: type, message: message)
    }
}
