import Hummingbird

/// The fake's answer to `POST /v1/messages`: a scripted agent turn, so real clients complete a tool
/// round trip.
///
/// - Tools offered and no `tool_result` in the last user message: a short text block, then a
///   `tool_use` of `Bash` (`{"command":"echo switchyard-tool-ok","description":"say ok"}`), or of
///   the first custom tool with its required properties filled (`"x"` for strings);
///   stop reason `tool_use`.
/// - A `tool_result` in the last user message: `Tool said: <first 200 characters of its text>`.
/// - Otherwise: `Hello from FakeUpstream.`
/// - `x-fake-echo: 1`: `len=<request body bytes>`.
struct AnthropicAnswer {
    enum Block {
        case text(deltas: [String])
        case toolUse(id: String, name: String, input: FakeJSON, fragments: [String])
    }

    struct Usage {
        var input = 21
        var cacheCreation = 34
        var cacheRead = 55
        var output = 13
    }

    static let toolCommand = "echo switchyard-tool-ok"

    var id: String
    var model: String
    var blocks: [Block]
    var stopReason: String
    var usage = Usage()

    init(request: FakeJSON?, bodyLength: Int, controls: FakeControls, sequence: Int) {
        id = "msg_fake_\(sequence)"
        model = request?["model"]?.stringValue ?? "claude-fake-1"
        if let numbers = controls.usage {
            usage = Usage(input: numbers[0], cacheCreation: numbers[1], cacheRead: numbers[2], output: numbers[3])
        }
        stopReason = "end_turn"
        if controls.echo {
            blocks = [.text(deltas: controls.deltas(for: "len=\(bodyLength)"))]
            return
        }
        let lastUser = request?["messages"]?.arrayValue?.last { $0["role"]?.stringValue == "user" }
        if let lastUser, let result = Self.toolResultText(in: lastUser) {
            blocks = [.text(deltas: controls.deltas(for: "Tool said: " + String(result.prefix(200))))]
            return
        }
        if let tool = Self.pickTool(request?["tools"]?.arrayValue ?? []) {
            let input = tool.input
            let fragments = FakeControls.split(Array(input.serialized), into: 3)
            blocks = [
                .text(deltas: controls.deltas(for: "Let me run a command.")),
                .toolUse(id: "toolu_fake_\(sequence)", name: tool.name, input: input, fragments: fragments),
            ]
            stopReason = "tool_use"
            return
        }
        blocks = [.text(deltas: controls.deltas(for: "Hello from FakeUpstream."))]
    }

    // MARK: Script

    /// The text of the first `tool_result` block of `message`, or `nil` when it has none.
    static func toolResultText(in message: FakeJSON) -> String? {
        guard let blocks = message["content"]?.arrayValue else { return nil }
        guard let result = blocks.first(where: { $0["type"]?.stringValue == "tool_result" }) else { return nil }
        if let text = result["content"]?.stringValue { return text }
        let parts = result["content"]?.arrayValue ?? []
        return parts.compactMap { $0["type"]?.stringValue == "text" ? $0["text"]?.stringValue : nil }
            .joined(separator: "\n")
    }

    /// `Bash` when offered, else the first tool that has an `input_schema`.
    static func pickTool(_ tools: [FakeJSON]) -> (name: String, input: FakeJSON)? {
        if tools.contains(where: { $0["name"]?.stringValue == "Bash" }) {
            return ("Bash", ["command": .string(toolCommand), "description": "say ok"])
        }
        for tool in tools {
            guard let name = tool["name"]?.stringValue, let schema = tool["input_schema"], schema.isObject else {
                continue
            }
            return (name, placeholderInput(schema: schema))
        }
        return nil
    }

    /// An object with every required property of `schema` set to a placeholder of its type.
    static func placeholderInput(schema: FakeJSON) -> FakeJSON {
        let required = schema["required"]?.arrayValue?.compactMap(\.stringValue) ?? []
        let properties = schema["properties"]
        return .object(required.map { ($0, placeholder(for: properties?[$0])) })
    }

    private static func placeholder(for property: FakeJSON?) -> FakeJSON {
        if let first = property?["enum"]?.arrayValue?.first { return first }
        switch property?["type"]?.stringValue {
        case "integer", "number": return 1
        case "boolean": return false
        case "array": return []
        case "object": return [:]
        default: return "x"
        }
    }

    // MARK: Non-streaming

    /// The `Message` object.
    var message: FakeJSON {
        let content: [FakeJSON] = blocks.map { block in
            switch block {
            case .text(let deltas):
                return ["type": "text", "text": .string(deltas.joined())]
            case .toolUse(let id, let name, let input, _):
                return ["type": "tool_use", "id": .string(id), "name": .string(name), "input": input]
            }
        }
        return [
            "id": .string(id),
            "type": "message",
            "role": "assistant",
            "model": .string(model),
            "content": .array(content),
            "stop_reason": .string(stopReason),
            "stop_sequence": nil,
            "usage": [
                "input_tokens": .int(usage.input),
                "cache_creation_input_tokens": .int(usage.cacheCreation),
                "cache_read_input_tokens": .int(usage.cacheRead),
                "cache_creation": [
                    "ephemeral_5m_input_tokens": .int(usage.cacheCreation),
                    "ephemeral_1h_input_tokens": 0,
                ],
                "output_tokens": .int(usage.output),
                "service_tier": "standard",
            ],
        ]
    }

    // MARK: Streaming

    /// Writes the whole event stream; with `midstreamError`, stops after the first text delta with
    /// an `overloaded_error` event; with `cut`, the connection breaks after the first text delta
    /// (no error event, no `message_stop`).
    func stream(
        with emitter: inout SSEEmitter,
        to writer: inout any ResponseBodyWriter,
        midstreamError: Bool,
        earlyError: Bool = false,
        cut: Bool = false
    ) async throws {
        try await emitter.send(
            "message_start",
            [
                "type": "message_start",
                "message": [
                    "id": .string(id),
                    "type": "message",
                    "role": "assistant",
                    "model": .string(model),
                    "content": [],
                    "stop_reason": nil,
                    "stop_sequence": nil,
                    "usage": [
                        "input_tokens": .int(usage.input),
                        "cache_creation_input_tokens": .int(usage.cacheCreation),
                        "cache_read_input_tokens": .int(usage.cacheRead),
                        "output_tokens": 1,
                    ],
                ],
            ],
            to: &writer
        )
        try await emitter.send("ping", ["type": "ping"], to: &writer)
        if earlyError {
            try await emitter.send(
                "error", ["type": "error", "error": ["type": "overloaded_error", "message": "Overloaded"]], to: &writer)
            return
        }
        for (index, block) in blocks.enumerated() {
            switch block {
            case .text(let deltas):
                try await emitter.send(
                    "content_block_start",
                    ["type": "content_block_start", "index": .int(index), "content_block": ["type": "text", "text": ""]],
                    to: &writer
                )
                for delta in deltas {
                    try await emitter.paceTextDelta()
                    try await emitter.send(
                        "content_block_delta",
                        [
                            "type": "content_block_delta", "index": .int(index),
                            "delta": ["type": "text_delta", "text": .string(delta)],
                        ],
                        to: &writer
                    )
                    if cut { throw FakeResponder.CutBody() }
                    if midstreamError {
                        try await emitter.send(
                            "error",
                            ["type": "error", "error": ["type": "overloaded_error", "message": "Overloaded"]],
                            to: &writer
                        )
                        return
                    }
                }
            case .toolUse(let id, let name, _, let fragments):
                try await emitter.send(
                    "content_block_start",
                    [
                        "type": "content_block_start", "index": .int(index),
                        "content_block": ["type": "tool_use", "id": .string(id), "name": .string(name), "input": [:]],
                    ],
                    to: &writer
                )
                for fragment in fragments {
                    try await emitter.send(
                        "content_block_delta",
                        [
                            "type": "content_block_delta", "index": .int(index),
                            "delta": ["type": "input_json_delta", "partial_json": .string(fragment)],
                        ],
                        to: &writer
                    )
                }
            }
            try await emitter.send("content_block_stop", ["type": "content_block_stop", "index": .int(index)], to: &writer)
        }
        try await emitter.send(
            "message_delta",
            [
                "type": "message_delta",
                "delta": ["stop_reason": .string(stopReason), "stop_sequence": nil],
                "usage": [
                    "input_tokens": .int(usage.input),
                    "cache_creation_input_tokens": .int(usage.cacheCreation),
                    "cache_read_input_tokens": .int(usage.cacheRead),
                    "output_tokens": .int(usage.output),
                ],
            ],
            to: &writer
        )
        try await emitter.send("message_stop", ["type": "message_stop"], to: &writer)
    }
}
