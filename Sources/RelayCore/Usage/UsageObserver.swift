/// What the relay learned about one response while passing it through untouched.
public struct ObservedResponse: Sendable, Equatable {
    /// Usage so far; complete only when `sawTerminalEvent` (or a non-streaming body) is true.
    public var usage = TokenUsage()
    /// The model the upstream says served the request (`message.model`, `response.model`).
    public var servedModel: String?
    /// Anthropic `message_stop`, Responses `response.completed` / `.incomplete` / `.failed`.
    public var sawTerminalEvent = false
    /// An in-band error (Anthropic `event: error`, Responses `response.failed` or `error`).
    public var inBandError: String?
    /// Events seen; the first content event marks the streaming commit point.
    public var eventCount = 0
    public var sawContentEvent = false

    public init() {}
}

/// Reads usage and terminal events from a response as its bytes pass, without buffering the
/// stream: each `consume` call parses only what the SSE framing needs and JSON-decodes only the
/// few events that carry usage or errors.
public struct UsageObserver: Sendable {
    public let format: WireFormat
    public let streaming: Bool
    public private(set) var observed = ObservedResponse()
    private var parser = SSEParser()
    private var body: [UInt8] = []
    private var bodyOverflowed = false
    private static let maxBufferedBody = 64 << 20

    public init(format: WireFormat, streaming: Bool) {
        self.format = format
        self.streaming = streaming
    }

    public mutating func consume<Bytes: Collection<UInt8>>(_ bytes: Bytes) {
        if streaming {
            for event in parser.feed(bytes) { handle(event) }
        } else if !bodyOverflowed {
            if body.count + bytes.count > Self.maxBufferedBody {
                bodyOverflowed = true
                body = []
            } else {
                body.append(contentsOf: bytes)
            }
        }
    }

    /// Call once the upstream body has ended.
    public mutating func finish() {
        if streaming {
            for event in parser.finish() { handle(event) }
            return
        }
        guard !bodyOverflowed, let json = try? JSONValue.parse(body) else { return }
        body = []
        observe(nonStreaming: json)
    }

    private mutating func observe(nonStreaming json: JSONValue) {
        observed.sawTerminalEvent = true
        observed.servedModel = json["model"]?.stringValue
        guard let usage = json["usage"] else { return }
        switch format {
        case .anthropic: observed.usage = TokenUsage(anthropic: usage)
        case .openAIResponses: observed.usage = TokenUsage(responses: usage)
        case .openAIChat: observed.usage = TokenUsage(chat: usage)
        }
    }

    private mutating func handle(_ event: SSEEvent) {
        observed.eventCount += 1
        switch format {
        case .anthropic: handleAnthropic(event)
        case .openAIResponses: handleResponses(event)
        case .openAIChat: handleChat(event)
        }
    }

    private mutating func handleAnthropic(_ event: SSEEvent) {
        var type = event.event
        var json: JSONValue?
        if type == nil {
            json = try? JSONValue.parse(event.data)
            type = json?["type"]?.stringValue
        }
        switch type {
        case "message_start", "message_delta", "error":
            guard let payload = json ?? (try? JSONValue.parse(event.data)) else { return }
            if type == "message_start" {
                observed.servedModel = payload["message"]?["model"]?.stringValue
                if let usage = payload["message"]?["usage"] { observed.usage.overwrite(with: TokenUsage(anthropic: usage)) }
            } else if type == "message_delta" {
                if let usage = payload["usage"] { observed.usage.overwrite(with: TokenUsage(anthropic: usage)) }
            } else {
                observed.inBandError = payload["error"]?["type"]?.stringValue ?? "error"
            }
        case "content_block_start", "content_block_delta":
            observed.sawContentEvent = true
        case "message_stop":
            observed.sawTerminalEvent = true
        default:
            break
        }
    }

    private mutating func handleResponses(_ event: SSEEvent) {
        var type = event.event
        var json: JSONValue?
        if type == nil {
            json = try? JSONValue.parse(event.data)
            type = json?["type"]?.stringValue
        }
        switch type {
        case "response.created":
            if let payload = json ?? (try? JSONValue.parse(event.data)) {
                observed.servedModel = payload["response"]?["model"]?.stringValue ?? observed.servedModel
            }
        case "response.completed", "response.incomplete", "response.failed":
            observed.sawTerminalEvent = true
            guard let payload = json ?? (try? JSONValue.parse(event.data)) else { return }
            let response = payload["response"]
            observed.servedModel = response?["model"]?.stringValue ?? observed.servedModel
            if let usage = response?["usage"], !usage.isNull { observed.usage = TokenUsage(responses: usage) }
            if type == "response.failed" {
                observed.inBandError = response?["error"]?["code"]?.stringValue ?? "response.failed"
            }
        case "error":
            let payload = json ?? (try? JSONValue.parse(event.data))
            observed.inBandError = payload?["code"]?.stringValue ?? payload?["error"]?["code"]?.stringValue ?? "error"
        case .some(let name) where name.hasPrefix("response.output") || name.hasPrefix("response.content_part")
            || name.hasPrefix("response.reasoning") || name.hasPrefix("response.function_call")
            || name.hasPrefix("response.custom_tool_call"):
            observed.sawContentEvent = true
        default:
            break
        }
    }

    private mutating func handleChat(_ event: SSEEvent) {
        if event.data == "[DONE]" {
            observed.sawTerminalEvent = true
            return
        }
        guard let payload = try? JSONValue.parse(event.data) else { return }
        if let error = payload["error"] {
            observed.inBandError = error["type"]?.stringValue ?? "error"
            return
        }
        observed.servedModel = payload["model"]?.stringValue ?? observed.servedModel
        if let choices = payload["choices"]?.arrayValue, !choices.isEmpty { observed.sawContentEvent = true }
        if let usage = payload["usage"], !usage.isNull { observed.usage = TokenUsage(chat: usage) }
    }
}
