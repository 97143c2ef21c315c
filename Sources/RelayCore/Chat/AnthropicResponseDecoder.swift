/// Decodes a non-streaming Anthropic Messages response (PROTOCOLS.md §2.5) into the canonical model.
///
/// Lenient by design: an upstream answer is what it is, so unknown blocks become `.opaque` and
/// missing fields stay nil rather than failing a response the client is waiting for.
public enum AnthropicResponseDecoder {
    public static func decode(_ message: JSONValue) -> CanonicalResponse {
        var response = CanonicalResponse()
        response.id = message["id"]?.stringValue
        response.model = message["model"]?.stringValue
        response.stopReason = message["stop_reason"]?.stringValue.map(CanonicalStopReason.init(anthropic:))
        response.stopSequence = message["stop_sequence"]?.stringValue
        if let usage = message["usage"], !usage.isNull { response.usage = TokenUsage(anthropic: usage) }
        for block in message["content"]?.arrayValue ?? [] {
            if let part = decodeBlock(block) { response.parts.append(part) }
        }
        return response
    }

    static func decodeBlock(_ block: JSONValue) -> CanonicalPart? {
        let type = block["type"]?.stringValue ?? ""
        switch type {
        case "text":
            return .text(block["text"]?.stringValue ?? "")
        case "thinking":
            return .thinking(block["thinking"]?.stringValue ?? "", signature: block["signature"]?.stringValue)
        case "redacted_thinking":
            return .redactedThinking(data: block["data"]?.stringValue ?? "")
        case "tool_use":
            let input = block["input"] ?? [:]
            return .toolCall(
                CanonicalToolCall(
                    id: block["id"]?.stringValue ?? "", name: block["name"]?.stringValue ?? "",
                    arguments: input.isNull ? "{}" : JSONBytesWriter.string(input)))
        default:
            return .opaque(type: type, raw: block)
        }
    }
}
