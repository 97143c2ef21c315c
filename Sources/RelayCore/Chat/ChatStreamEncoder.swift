/// Renders canonical stream events as OpenAI Chat Completions chunks (PROTOCOLS.md §3.5, §5.3).
///
/// Output contract, each element one complete `data: …\n\n` frame:
/// role chunk first; `content` / `reasoning_content` / `tool_calls` deltas (tool-call `index` is a
/// dense 0-based counter over the client-visible calls of this message, never the upstream block
/// index); one finish chunk with `delta: {}`; a `choices: []` usage chunk only when
/// `includeUsage`; then `data: [DONE]` — only after the upstream's terminal event. An upstream
/// error becomes one `data: {"error":…}` frame and ends the output without `[DONE]`, so SDKs
/// raise instead of returning a silently truncated answer.
public struct ChatStreamEncoder: Sendable {
    public let context: ChatResponseContext
    public let created: Int
    /// Also send `[DONE]` after an error frame (G13(d) shows it; most clients tolerate either).
    public var sendDoneAfterError = false
    private var id: String?
    private var roleSent = false
    private var finishSent = false
    private var stopReason: CanonicalStopReason?
    private var usage = TokenUsage()
    private var toolCount = 0
    private var blocks: [Int: Block] = [:]
    /// `data: {"id":…,"object":…,"created":…,"model":…,"choices":[{"index":0,"delta":` built once
    /// the id is known: every chunk shares it, so only the delta is serialised per event.
    private var chunkPrefix: [UInt8] = []
    /// `,"finish_reason":null}]` plus `,"usage":null` when usage was requested, then `}\n\n`.
    private var chunkSuffix: [UInt8] = []
    /// `[DONE]` was sent.
    public private(set) var completed = false
    /// An error frame was sent.
    public private(set) var failed = false

    private enum Kind: Sendable {
        case text, thinking, redacted, suppressed
        /// A client function call with its dense index; `pendingInput` is sent at stop when no fragments came.
        case tool(index: Int, pendingInput: String?)
        /// A custom tool call: arguments are buffered and unwrapped at stop.
        case custom(id: String, name: String)
        /// The structured-output tool: its arguments are the message content.
        case jsonTool(pendingInput: String?)
    }

    private struct Block: Sendable {
        var kind: Kind
        var text = ""
        var signature: String?
    }

    public init(context: ChatResponseContext, id: String?, created: Int) {
        self.context = context
        self.id = id
        self.created = created
    }

    public var isFinished: Bool { completed || failed }

    public mutating func consume(_ event: CanonicalStreamEvent) -> [String] {
        guard !isFinished else { return [] }
        var out: [String] = []
        switch event {
        case .start(let upstreamID, _, let usage):
            if id == nil { id = ChatResponseEncoder.completionID(upstream: upstreamID) }
            self.usage = usage
            ensureRole(&out)
        case .blockStart(let index, let block):
            ensureRole(&out)
            start(index: index, block: block, into: &out)
        case .textDelta(let index, let text):
            guard !text.isEmpty, let block = blocks[index] else { break }
            switch block.kind {
            case .text: out.append(textChunk(key: "content", text))
            default: break
            }
        case .thinkingDelta(let index, let text):
            guard !text.isEmpty, let block = blocks[index], case .thinking = block.kind else { break }
            if context.emitThinkingBlocks { blocks[index]?.text += text }
            out.append(textChunk(key: "reasoning_content", text))
        case .signature(let index, let signature):
            blocks[index]?.signature = signature
        case .toolArgumentsDelta(let index, let fragment):
            guard !fragment.isEmpty, let block = blocks[index] else { break }
            switch block.kind {
            case .tool(let toolIndex, _):
                blocks[index]?.kind = .tool(index: toolIndex, pendingInput: nil)
                out.append(argumentsChunk(toolIndex: toolIndex, fragment))
            case .jsonTool:
                blocks[index]?.kind = .jsonTool(pendingInput: nil)
                out.append(textChunk(key: "content", fragment))
            case .custom:
                blocks[index]?.text += fragment
            default:
                break
            }
        case .blockStop(let index):
            stop(index: index, into: &out)
        case .finish(let reason, _, let usage):
            self.usage = usage
            if let reason { stopReason = reason }
            if reason != nil { sendFinish(&out) }
        case .end:
            ensureRole(&out)
            sendFinish(&out)
            if context.includeUsage { out.append(usageChunk()) }
            out.append(OpenAIChat.doneFrame)
            completed = true
        case .error(let type, let message):
            out += errorFrames(type: type, message: message)
        }
        return out
    }

    /// An error frame for a failure the relay itself detects (the upstream body ended early, an
    /// idle timeout) in the same shape as a translated upstream error. Ends the output.
    public mutating func fail(type: String, message: String) -> [String] {
        guard !isFinished else { return [] }
        return errorFrames(type: type, message: message)
    }

    private mutating func errorFrames(type: String, message: String) -> [String] {
        failed = true
        let frame = OpenAIChat.frame(ErrorTranslation.openAIStreamError(anthropicType: type, message: message))
        return sendDoneAfterError ? [frame, OpenAIChat.doneFrame] : [frame]
    }

    private mutating func ensureRole(_ out: inout [String]) {
        guard !roleSent else { return }
        roleSent = true
        out.append(chunk(delta: ["role": "assistant", "content": ""]))
    }

    private mutating func start(index: Int, block: CanonicalBlockStart, into out: inout [String]) {
        switch block {
        case .text(let initial):
            blocks[index] = Block(kind: .text)
            if !initial.isEmpty { out.append(chunk(delta: ["content": .string(initial)])) }
        case .thinking(let initial):
            blocks[index] = Block(kind: .thinking, text: context.emitThinkingBlocks ? initial : "")
            if !initial.isEmpty { out.append(chunk(delta: ["reasoning_content": .string(initial)])) }
        case .redactedThinking(let data):
            blocks[index] = Block(kind: .redacted)
            if context.emitThinkingBlocks {
                out.append(chunk(delta: ["thinking_blocks": [["type": "redacted_thinking", "data": .string(data)]]]))
            }
        case .toolCall(let callID, let name, let input):
            let pending = Self.nonEmptyInput(input)
            if name == context.jsonToolName {
                blocks[index] = Block(kind: .jsonTool(pendingInput: pending))
            } else if context.customToolNames.contains(name) {
                blocks[index] = Block(kind: .custom(id: callID, name: name), text: pending ?? "")
            } else {
                let toolIndex = toolCount
                toolCount += 1
                blocks[index] = Block(kind: .tool(index: toolIndex, pendingInput: pending))
                out.append(
                    chunk(delta: [
                        "tool_calls": [[
                            "index": .number(Double(toolIndex)), "id": .string(callID), "type": "function",
                            "function": ["name": .string(name), "arguments": ""],
                        ]]
                    ]))
            }
        case .opaque:
            blocks[index] = Block(kind: .suppressed)
        }
    }

    private mutating func stop(index: Int, into out: inout [String]) {
        guard let block = blocks[index] else { return }
        switch block.kind {
        case .tool(let toolIndex, let pending?):
            out.append(argumentsChunk(toolIndex: toolIndex, pending))
        case .jsonTool(let pending?):
            out.append(textChunk(key: "content", pending))
        case .custom(let callID, let name):
            let toolIndex = toolCount
            toolCount += 1
            out.append(
                chunk(delta: [
                    "tool_calls": [[
                        "index": .number(Double(toolIndex)), "id": .string(callID), "type": "custom",
                        "custom": ["name": .string(name), "input": .string(ChatResponseEncoder.customInput(block.text))],
                    ]]
                ]))
        case .thinking:
            if context.emitThinkingBlocks, let signature = block.signature, !signature.isEmpty {
                out.append(
                    chunk(delta: [
                        "thinking_blocks": [["type": "thinking", "thinking": .string(block.text), "signature": .string(signature)]]
                    ]))
            }
        default:
            break
        }
    }

    private mutating func sendFinish(_ out: inout [String]) {
        guard !finishSent else { return }
        finishSent = true
        let reason = OpenAIChat.finishReason(stopReason, hasClientToolCalls: toolCount > 0)
        out.append(chunk(delta: [:], finishReason: reason))
    }

    static func nonEmptyInput(_ input: JSONValue?) -> String? {
        guard let input, case .object(let object) = input, !object.isEmpty else { return nil }
        return JSONBytesWriter.string(input)
    }

    private func envelope() -> JSONObject {
        [
            "id": .string(id ?? ChatResponseEncoder.completionID(upstream: nil)), "object": "chat.completion.chunk",
            "created": .number(Double(created)), "model": .string(context.requestedModel),
        ]
    }

    /// Builds the shared chunk prefix and suffix on first use (after `message_start` set the id).
    private mutating func prepareFraming() {
        guard chunkPrefix.isEmpty else { return }
        var prefix = Array("data: ".utf8)
        JSONBytesWriter.write(.object(envelope()), to: &prefix)
        prefix.removeLast()  // the envelope's closing brace
        prefix.append(contentsOf: #","choices":[{"index":0,"delta":"#.utf8)
        chunkPrefix = prefix
        chunkSuffix = Array((context.includeUsage ? #"}],"usage":null}"# : "}]}").utf8) + [0x0A, 0x0A]
    }

    private mutating func chunk(delta: JSONObject, finishReason: String? = nil) -> String {
        prepareFraming()
        var out = chunkPrefix
        JSONBytesWriter.write(.object(delta), to: &out)
        out.append(contentsOf: #","finish_reason":"#.utf8)
        if let finishReason { JSONBytesWriter.writeString(finishReason, to: &out) } else { out.append(contentsOf: "null".utf8) }
        out.append(contentsOf: chunkSuffix)
        return String(decoding: out, as: UTF8.self)
    }

    /// The hot path: `{"<key>":"<text>"}` deltas without building a JSON object.
    private mutating func textChunk(key: StaticString, _ text: String) -> String {
        prepareFraming()
        var out = chunkPrefix
        out.append(contentsOf: #"{""#.utf8)
        out.append(contentsOf: UnsafeBufferPointer(start: key.utf8Start, count: key.utf8CodeUnitCount))
        out.append(contentsOf: #"":"#.utf8)
        JSONBytesWriter.writeString(text, to: &out)
        out.append(contentsOf: #"},"finish_reason":null"#.utf8)
        out.append(contentsOf: chunkSuffix)
        return String(decoding: out, as: UTF8.self)
    }

    /// `{"tool_calls":[{"index":k,"function":{"arguments":"<fragment>"}}]}` without building objects.
    private mutating func argumentsChunk(toolIndex: Int, _ fragment: String) -> String {
        prepareFraming()
        var out = chunkPrefix
        out.append(contentsOf: #"{"tool_calls":[{"index":"#.utf8)
        out.append(contentsOf: String(toolIndex).utf8)
        out.append(contentsOf: #","function":{"arguments":"#.utf8)
        JSONBytesWriter.writeString(fragment, to: &out)
        out.append(contentsOf: #"}}]},"finish_reason":null"#.utf8)
        out.append(contentsOf: chunkSuffix)
        return String(decoding: out, as: UTF8.self)
    }

    private func usageChunk() -> String {
        var payload = envelope()
        payload["choices"] = []
        payload["usage"] = OpenAIChat.usage(usage)
        return OpenAIChat.frame(.object(payload))
    }
}
