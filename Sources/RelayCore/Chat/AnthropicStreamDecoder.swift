/// Turns Anthropic SSE events (PROTOCOLS.md §2.6) into canonical stream events, one event at a
/// time, and keeps the merged usage (message_start, then each message_delta overwriting field by
/// field: last non-null value wins).
///
/// Dispatches on the `event:` name and falls back to the data's `type` (some compatible servers
/// omit the `event:` line). `ping`, unknown events and unparseable data produce nothing.
public struct AnthropicStreamDecoder: Sendable {
    public private(set) var usage = TokenUsage()
    /// `message_stop` arrived: the answer is complete.
    public private(set) var sawTerminal = false
    /// A content block started or grew: the streaming commit point has passed upstream.
    public private(set) var sawContent = false
    public private(set) var messageID: String?
    public private(set) var model: String?
    /// The upstream's in-band error type (`overloaded_error`, …), if one arrived.
    public private(set) var errorType: String?

    public init() {}

    public mutating func consume(_ event: SSEEvent) -> [CanonicalStreamEvent] {
        guard let payload = try? JSONValue.parse(event.data) else { return [] }
        let type = event.event ?? payload["type"]?.stringValue ?? ""
        switch type {
        case "message_start":
            let message = payload["message"]
            messageID = message?["id"]?.stringValue
            model = message?["model"]?.stringValue
            if let raw = message?["usage"], !raw.isNull { usage.overwrite(with: TokenUsage(anthropic: raw)) }
            return [.start(id: messageID, model: model, usage: usage)]
        case "content_block_start":
            guard let index = payload["index"]?.intValue, let block = payload["content_block"] else { return [] }
            sawContent = true
            return [.blockStart(index: index, block: Self.blockStart(block))]
        case "content_block_delta":
            guard let index = payload["index"]?.intValue, let delta = payload["delta"] else { return [] }
            sawContent = true
            switch delta["type"]?.stringValue {
            case "text_delta": return [.textDelta(index: index, text: delta["text"]?.stringValue ?? "")]
            case "thinking_delta": return [.thinkingDelta(index: index, text: delta["thinking"]?.stringValue ?? "")]
            case "signature_delta": return [.signature(index: index, signature: delta["signature"]?.stringValue ?? "")]
            case "input_json_delta": return [.toolArgumentsDelta(index: index, fragment: delta["partial_json"]?.stringValue ?? "")]
            default: return []
            }
        case "content_block_stop":
            guard let index = payload["index"]?.intValue else { return [] }
            return [.blockStop(index: index)]
        case "message_delta":
            if let raw = payload["usage"], !raw.isNull { usage.overwrite(with: TokenUsage(anthropic: raw)) }
            let delta = payload["delta"]
            let reason = delta?["stop_reason"]?.stringValue.map(CanonicalStopReason.init(anthropic:))
            return [.finish(reason: reason, stopSequence: delta?["stop_sequence"]?.stringValue, usage: usage)]
        case "message_stop":
            sawTerminal = true
            return [.end]
        case "error":
            let type = payload["error"]?["type"]?.stringValue ?? "api_error"
            errorType = type
            return [.error(type: type, message: payload["error"]?["message"]?.stringValue ?? "Upstream stream error")]
        default:
            return []
        }
    }

    static func blockStart(_ block: JSONValue) -> CanonicalBlockStart {
        let type = block["type"]?.stringValue ?? ""
        switch type {
        case "text": return .text(block["text"]?.stringValue ?? "")
        case "thinking": return .thinking(block["thinking"]?.stringValue ?? "")
        case "redacted_thinking": return .redactedThinking(data: block["data"]?.stringValue ?? "")
        case "tool_use":
            return .toolCall(id: block["id"]?.stringValue ?? "", name: block["name"]?.stringValue ?? "", input: block["input"])
        default: return .opaque(type: type, raw: block)
        }
    }
}
