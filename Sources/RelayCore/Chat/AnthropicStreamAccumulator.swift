/// Builds one complete answer from an Anthropic stream, as the official SDK's accumulator does
/// (PROTOCOLS.md §2.6): text and thinking deltas concatenate, argument fragments concatenate
/// (empty means `{}`), a signature replaces the previous one, usage merges field by field.
///
/// Lets the relay stream from the upstream (no idle drops on long generations) and still answer
/// a non-streaming client with one body: feed every event, then check ``sawTerminal`` / ``error``
/// and render ``response`` with ``AnthropicToChat/completion(_:context:id:created:)``.
public struct AnthropicStreamAccumulator: Sendable {
    private var decoder = AnthropicStreamDecoder()
    private var blocks: [Int: Block] = [:]
    private var stopReason: CanonicalStopReason?
    private var stopSequence: String?
    /// The upstream's in-band error, if any: the answer is then incomplete.
    public private(set) var error: InBandError?

    private struct Block: Sendable {
        var start: CanonicalBlockStart
        var text = ""
        var signature: String?
        var arguments = ""
    }

    public init() {}

    public var usage: TokenUsage { decoder.usage }
    /// `message_stop` arrived.
    public var sawTerminal: Bool { decoder.sawTerminal }

    public mutating func consume(_ event: SSEEvent) {
        for canonical in decoder.consume(event) { apply(canonical) }
    }

    mutating func apply(_ event: CanonicalStreamEvent) {
        switch event {
        case .blockStart(let index, let block):
            blocks[index] = Block(start: block)
        case .textDelta(let index, let text), .thinkingDelta(let index, let text):
            blocks[index]?.text += text
        case .signature(let index, let signature):
            blocks[index]?.signature = signature
        case .toolArgumentsDelta(let index, let fragment):
            blocks[index]?.arguments += fragment
        case .finish(let reason, let sequence, _):
            if let reason { stopReason = reason }
            if let sequence { stopSequence = sequence }
        case .error(let type, let message):
            error = InBandError(type: type, message: message)
        case .start, .blockStop, .end:
            break
        }
    }

    /// The answer so far, blocks in upstream index order.
    public var response: CanonicalResponse {
        var parts: [CanonicalPart] = []
        for index in blocks.keys.sorted() {
            guard let block = blocks[index] else { continue }
            switch block.start {
            case .text(let initial): parts.append(.text(initial + block.text))
            case .thinking(let initial): parts.append(.thinking(initial + block.text, signature: block.signature))
            case .redactedThinking(let data): parts.append(.redactedThinking(data: data))
            case .toolCall(let id, let name, let input):
                let arguments: String
                if !block.arguments.isEmpty {
                    arguments = block.arguments
                } else if let input, case .object(let object) = input, !object.isEmpty {
                    arguments = JSONBytesWriter.string(input)
                } else {
                    arguments = "{}"
                }
                parts.append(.toolCall(CanonicalToolCall(id: id, name: name, arguments: arguments)))
            case .opaque(let type, let raw): parts.append(.opaque(type: type, raw: raw))
            }
        }
        return CanonicalResponse(
            id: decoder.messageID, model: decoder.model, parts: parts, stopReason: stopReason, stopSequence: stopSequence,
            usage: decoder.usage)
    }
}
