/// Token counts of one request, normalised across the three wire formats (PROTOCOLS.md §5.10).
///
/// `input` is new (uncached) input only; cache writes and reads are separate, so
/// `promptTotal = input + cacheWrite + cacheRead` for every format. A nil field means the
/// upstream did not report it: unknown is never recorded as zero.
public struct TokenUsage: Sendable, Equatable, CustomStringConvertible {
    public var input: Int?
    public var output: Int?
    public var cacheWrite: Int?
    public var cacheWrite5m: Int?
    public var cacheWrite1h: Int?
    public var cacheRead: Int?
    public var reasoning: Int?

    public init(
        input: Int? = nil, output: Int? = nil, cacheWrite: Int? = nil, cacheWrite5m: Int? = nil,
        cacheWrite1h: Int? = nil, cacheRead: Int? = nil, reasoning: Int? = nil
    ) {
        self.input = input
        self.output = output
        self.cacheWrite = cacheWrite
        self.cacheWrite5m = cacheWrite5m
        self.cacheWrite1h = cacheWrite1h
        self.cacheRead = cacheRead
        self.reasoning = reasoning
    }

    /// True when no count at all was observed.
    public var isEmpty: Bool {
        input == nil && output == nil && cacheWrite == nil && cacheRead == nil && reasoning == nil
    }

    /// Every prompt token the upstream processed: new input plus cache writes plus cache reads.
    public var promptTotal: Int? {
        guard input != nil || cacheWrite != nil || cacheRead != nil else { return nil }
        return (input ?? 0) + (cacheWrite ?? 0) + (cacheRead ?? 0)
    }

    public var total: Int? {
        guard let prompt = promptTotal else { return output }
        return prompt + (output ?? 0)
    }

    public var description: String {
        func show(_ value: Int?) -> String { value.map(String.init) ?? "?" }
        return "in=\(show(input)) out=\(show(output)) cache_write=\(show(cacheWrite)) cache_read=\(show(cacheRead))"
            + (reasoning.map { " reasoning=\($0)" } ?? "")
    }

    /// Field-by-field merge where present values in `newer` win (Anthropic's cumulative
    /// `message_delta` usage overwrites `message_start`'s; last non-null value wins).
    public mutating func overwrite(with newer: TokenUsage) {
        if let value = newer.input { input = value }
        if let value = newer.output { output = value }
        if let value = newer.cacheWrite { cacheWrite = value }
        if let value = newer.cacheWrite5m { cacheWrite5m = value }
        if let value = newer.cacheWrite1h { cacheWrite1h = value }
        if let value = newer.cacheRead { cacheRead = value }
        if let value = newer.reasoning { reasoning = value }
    }
}

extension TokenUsage {
    /// Reads an Anthropic `usage` object (Message, `message_start`, `message_delta`).
    public init(anthropic usage: JSONValue) {
        self.init()
        input = usage["input_tokens"]?.intValue
        output = usage["output_tokens"]?.intValue
        cacheWrite = usage["cache_creation_input_tokens"]?.intValue
        cacheRead = usage["cache_read_input_tokens"]?.intValue
        if let split = usage["cache_creation"] {
            cacheWrite5m = split["ephemeral_5m_input_tokens"]?.intValue
            cacheWrite1h = split["ephemeral_1h_input_tokens"]?.intValue
        }
        reasoning = usage["output_tokens_details"]?["thinking_tokens"]?.intValue
    }

    /// Reads an OpenAI Responses `usage` object, whose `input_tokens` includes cached tokens.
    public init(responses usage: JSONValue) {
        self.init()
        let cached = usage["input_tokens_details"]?["cached_tokens"]?.intValue
        let written = usage["input_tokens_details"]?["cache_write_tokens"]?.intValue
        if let total = usage["input_tokens"]?.intValue {
            input = max(0, total - (cached ?? 0) - (written ?? 0))
        }
        cacheRead = cached
        cacheWrite = written
        output = usage["output_tokens"]?.intValue
        reasoning = usage["output_tokens_details"]?["reasoning_tokens"]?.intValue
    }

    /// Reads an OpenAI Chat Completions `usage` object, whose `prompt_tokens` includes cached tokens.
    public init(chat usage: JSONValue) {
        self.init()
        let cached = usage["prompt_tokens_details"]?["cached_tokens"]?.intValue
        let written = usage["prompt_tokens_details"]?["cache_write_tokens"]?.intValue
        if let total = usage["prompt_tokens"]?.intValue {
            input = max(0, total - (cached ?? 0) - (written ?? 0))
        }
        cacheRead = cached
        cacheWrite = written
        output = usage["completion_tokens"]?.intValue
        reasoning = usage["completion_tokens_details"]?["reasoning_tokens"]?.intValue
    }
}
