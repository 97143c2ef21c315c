/// Anthropic Messages response → OpenAI `chat.completion` (PROTOCOLS.md §5.2, §5.10, §5.12).
public enum AnthropicToChat {
    /// Converts a non-streaming Anthropic message.
    ///
    /// - Parameters:
    ///   - requestedModel: echoed as `model` (the client's name, not the upstream's).
    ///   - id: the completion id; nil derives `chatcmpl-<message id>`.
    ///   - created: Unix seconds (injected so output is deterministic).
    public static func completion(_ message: JSONValue, requestedModel: String, id: String?, created: Int) -> JSONValue {
        completion(message, context: ChatResponseContext(requestedModel: requestedModel), id: id, created: created)
    }

    /// As above, with the request's context (custom tools, structured-output tool, thinking blocks).
    public static func completion(_ message: JSONValue, context: ChatResponseContext, id: String?, created: Int) -> JSONValue {
        ChatResponseEncoder.completion(AnthropicResponseDecoder.decode(message), context: context, id: id, created: created)
    }

    /// From an already decoded or accumulated answer (see ``AnthropicStreamAccumulator``), for a
    /// non-streaming client served from a streaming upstream.
    public static func completion(_ response: CanonicalResponse, context: ChatResponseContext, id: String?, created: Int) -> JSONValue {
        ChatResponseEncoder.completion(response, context: context, id: id, created: created)
    }
}
