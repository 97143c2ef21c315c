import Foundation
import Hummingbird

/// The fake's answer to `POST /v1/responses` (and `/responses`): a scripted agent turn that Codex
/// can complete, tool call included.
///
/// - A shell-like function tool offered (`exec_command`, `shell_command`, `shell`, `local_shell`,
///   `container.exec`) and no `function_call_output` after the last user message: a `function_call`
///   item whose arguments fit the tool's schema (`cmd` string, `command` array or `command` string)
///   and run `echo switchyard-tool-ok`.
/// - A `function_call_output` after the last user message: `Tool said: <first 200 characters>`.
/// - Otherwise: `Hello from FakeUpstream.` (`x-fake-echo: 1`: `len=<request body bytes>`).
///
/// Input items of any other type are ignored, so Codex's reasoning items, developer messages and
/// the rest are tolerated.
struct ResponsesAnswer {
    enum Item {
        case message(id: String, deltas: [String])
        case functionCall(id: String, callID: String, name: String, arguments: String)
    }

    struct Usage {
        var input = 89
        var cached = 55
        var output = 13
        var reasoning = 5
    }

    static let shellToolNames: Set<String> = ["exec_command", "shell_command", "shell", "local_shell", "container.exec"]
    static let toolCommand = "echo switchyard-tool-ok"

    var id: String
    var model: String
    var createdAt: Int
    var items: [Item]
    var usage = Usage()

    init(request: FakeJSON?, bodyLength: Int, controls: FakeControls, sequence: Int) {
        id = "resp_fake_\(sequence)"
        model = request?["model"]?.stringValue ?? "gpt-fake-1"
        createdAt = Int(Date().timeIntervalSince1970)
        if let numbers = controls.usage {
            usage = Usage(input: numbers[0], cached: numbers[1], output: numbers[2], reasoning: numbers[3])
        }
        let messageID = "msg_fake_\(sequence)"
        if controls.echo {
            items = [.message(id: messageID, deltas: controls.deltas(for: "len=\(bodyLength)"))]
            return
        }
        let input = request?["input"]?.arrayValue ?? []
        let lastUser = input.lastIndex { item in
            let type = item["type"]?.stringValue ?? "message"
            return type == "message" && item["role"]?.stringValue == "user"
        }
        let afterUser = input[(lastUser.map { $0 + 1 } ?? 0)...]
        if let output = afterUser.last(where: { $0["type"]?.stringValue == "function_call_output" }) {
            let text = Self.outputText(output["output"])
            items = [.message(id: messageID, deltas: controls.deltas(for: "Tool said: " + String(text.prefix(200))))]
            return
        }
        if let tool = Self.pickShellTool(request?["tools"]?.arrayValue ?? []) {
            items = [
                .functionCall(
                    id: "fc_fake_\(sequence)",
                    callID: "call_fake_\(sequence)",
                    name: tool.name,
                    arguments: tool.arguments.serialized
                )
            ]
            return
        }
        items = [.message(id: messageID, deltas: controls.deltas(for: "Hello from FakeUpstream."))]
    }

    // MARK: Script

    /// A `function_call_output.output`: a string, or an array of parts whose texts are joined.
    static func outputText(_ output: FakeJSON?) -> String {
        if let text = output?.stringValue { return text }
        let parts = output?.arrayValue ?? []
        return parts.compactMap { $0["text"]?.stringValue }.joined(separator: "\n")
    }

    /// The first offered function tool with a shell-like name, and arguments that fit its schema.
    static func pickShellTool(_ tools: [FakeJSON]) -> (name: String, arguments: FakeJSON)? {
        for tool in tools where tool["type"]?.stringValue == "function" {
            guard let name = tool["name"]?.stringValue, shellToolNames.contains(name) else { continue }
            let properties = tool["parameters"]?["properties"]
            if properties?["cmd"] != nil {
                return (name, ["cmd": .string(toolCommand)])
            }
            if properties?["command"]?["type"]?.stringValue == "string" {
                return (name, ["command": .string(toolCommand)])
            }
            return (name, ["command": ["bash", "-lc", .string(toolCommand)]])
        }
        return nil
    }

    // MARK: Objects

    /// An output item as it is when complete (`output_item.done`, `response.completed`).
    func completedItem(_ item: Item) -> FakeJSON {
        switch item {
        case .message(let id, let deltas):
            return [
                "id": .string(id), "type": "message", "status": "completed", "role": "assistant",
                "content": [["type": "output_text", "text": .string(deltas.joined()), "annotations": [], "logprobs": []]],
            ]
        case .functionCall(let id, let callID, let name, let arguments):
            return [
                "id": .string(id), "type": "function_call", "status": "completed",
                "call_id": .string(callID), "name": .string(name), "arguments": .string(arguments),
            ]
        }
    }

    var usageJSON: FakeJSON {
        [
            "input_tokens": .int(usage.input),
            "input_tokens_details": ["cached_tokens": .int(usage.cached)],
            "output_tokens": .int(usage.output),
            "output_tokens_details": ["reasoning_tokens": .int(usage.reasoning)],
            "total_tokens": .int(usage.input + usage.output),
        ]
    }

    /// The `Response` object in a given state.
    func response(status: String, output: [FakeJSON], includeUsage: Bool, error: FakeJSON = nil) -> FakeJSON {
        [
            "id": .string(id),
            "object": "response",
            "created_at": .int(createdAt),
            "status": .string(status),
            "error": error,
            "incomplete_details": nil,
            "instructions": nil,
            "metadata": [:],
            "model": .string(model),
            "output": .array(output),
            "parallel_tool_calls": true,
            "temperature": 1.0,
            "tool_choice": "auto",
            "tools": [],
            "top_p": 1.0,
            "store": false,
            "usage": includeUsage ? usageJSON : nil,
        ]
    }

    /// The non-streaming answer.
    var completedResponse: FakeJSON {
        response(status: "completed", output: items.map(completedItem), includeUsage: true)
    }

    // MARK: Streaming

    /// Writes the whole event stream; with `midstreamError`, stops after the first text delta with
    /// `response.failed` (code `server_error`).
    func stream(
        with emitter: inout SSEEmitter,
        to writer: inout any ResponseBodyWriter,
        midstreamError: Bool,
        earlyError: Bool = false
    ) async throws {
        let initial = response(status: "in_progress", output: [], includeUsage: false)
        try await emitter.sendResponses("response.created", [("response", initial)], to: &writer)
        try await emitter.sendResponses("response.in_progress", [("response", initial)], to: &writer)
        if earlyError {
            let failed = response(
                status: "failed", output: [], includeUsage: false,
                error: ["code": "server_is_overloaded", "message": "FakeUpstream early error"])
            try await emitter.sendResponses("response.failed", [("response", failed)], to: &writer)
            return
        }
        var done: [FakeJSON] = []
        for (outputIndex, item) in items.enumerated() {
            switch item {
            case .message(let id, let deltas):
                try await emitter.sendResponses(
                    "response.output_item.added",
                    [
                        ("output_index", .int(outputIndex)),
                        ("item", ["id": .string(id), "type": "message", "status": "in_progress", "role": "assistant", "content": []]),
                    ],
                    to: &writer
                )
                let location: [(String, FakeJSON)] = [
                    ("item_id", .string(id)), ("output_index", .int(outputIndex)), ("content_index", 0),
                ]
                try await emitter.sendResponses(
                    "response.content_part.added",
                    location + [("part", ["type": "output_text", "text": "", "annotations": [], "logprobs": []])],
                    to: &writer
                )
                for delta in deltas {
                    try await emitter.paceTextDelta()
                    try await emitter.sendResponses(
                        "response.output_text.delta",
                        location + [("delta", .string(delta)), ("logprobs", [])],
                        to: &writer
                    )
                    if midstreamError {
                        let failed = response(
                            status: "failed",
                            output: done,
                            includeUsage: false,
                            error: ["code": "server_error", "message": "FakeUpstream midstream error"]
                        )
                        try await emitter.sendResponses("response.failed", [("response", failed)], to: &writer)
                        return
                    }
                }
                let text = FakeJSON.string(deltas.joined())
                try await emitter.sendResponses(
                    "response.output_text.done",
                    location + [("text", text), ("logprobs", [])],
                    to: &writer
                )
                try await emitter.sendResponses(
                    "response.content_part.done",
                    location + [("part", ["type": "output_text", "text": text, "annotations": [], "logprobs": []])],
                    to: &writer
                )
            case .functionCall(let id, let callID, let name, let arguments):
                try await emitter.sendResponses(
                    "response.output_item.added",
                    [
                        ("output_index", .int(outputIndex)),
                        (
                            "item",
                            [
                                "id": .string(id), "type": "function_call", "status": "in_progress",
                                "call_id": .string(callID), "name": .string(name), "arguments": "",
                            ]
                        ),
                    ],
                    to: &writer
                )
                for fragment in FakeControls.split(Array(arguments), into: 2) {
                    try await emitter.sendResponses(
                        "response.function_call_arguments.delta",
                        [("item_id", .string(id)), ("output_index", .int(outputIndex)), ("delta", .string(fragment))],
                        to: &writer
                    )
                }
                try await emitter.sendResponses(
                    "response.function_call_arguments.done",
                    [
                        ("item_id", .string(id)), ("output_index", .int(outputIndex)),
                        ("name", .string(name)), ("arguments", .string(arguments)),
                    ],
                    to: &writer
                )
            }
            let complete = completedItem(item)
            done.append(complete)
            try await emitter.sendResponses(
                "response.output_item.done",
                [("output_index", .int(outputIndex)), ("item", complete)],
                to: &writer
            )
        }
        try await emitter.sendResponses(
            "response.completed",
            [("response", response(status: "completed", output: done, includeUsage: true))],
            to: &writer
        )
    }
}
