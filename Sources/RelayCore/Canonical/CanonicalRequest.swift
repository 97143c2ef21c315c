/// One model request with no vendor's wire shape: what every inbound decoder produces and every
/// upstream encoder consumes (PROTOCOLS.md §5.0).
///
/// Invariants a decoder guarantees: `messages` alternate roles freely (encoders merge), system
/// text lives only in `system`, tool calls and results carry the ids the client used, and
/// nothing here is a value the client did not send (defaults are the encoder's business, since
/// they depend on the upstream model).
public struct CanonicalRequest: Sendable, Equatable {
    /// The model name after the relay's rename rules and with any `-thinking` suffix removed.
    public var model: String
    /// System and developer instructions in order; text parts only.
    public var system: [CanonicalPart]
    public var messages: [CanonicalMessage]
    public var tools: [CanonicalTool]
    public var toolChoice: CanonicalToolChoice?
    /// nil when the client did not say; `false` means at most one tool call per turn.
    public var parallelToolCalls: Bool?
    /// The client's output cap (reasoning included), if it set one.
    public var maxOutputTokens: Int?
    public var temperature: Double?
    public var topP: Double?
    public var stopSequences: [String]
    public var reasoning: CanonicalReasoning?
    public var outputFormat: CanonicalOutputFormat?
    /// An opaque end-user id (never an email or phone number).
    public var userID: String?
    /// The client asked for a stream (the upstream is streamed regardless).
    public var stream: Bool
    /// Streaming clients only: send a final usage chunk.
    public var includeUsage: Bool

    public init(
        model: String, system: [CanonicalPart] = [], messages: [CanonicalMessage] = [], tools: [CanonicalTool] = [],
        toolChoice: CanonicalToolChoice? = nil, parallelToolCalls: Bool? = nil, maxOutputTokens: Int? = nil,
        temperature: Double? = nil, topP: Double? = nil, stopSequences: [String] = [], reasoning: CanonicalReasoning? = nil,
        outputFormat: CanonicalOutputFormat? = nil, userID: String? = nil, stream: Bool = false, includeUsage: Bool = false
    ) {
        self.model = model
        self.system = system
        self.messages = messages
        self.tools = tools
        self.toolChoice = toolChoice
        self.parallelToolCalls = parallelToolCalls
        self.maxOutputTokens = maxOutputTokens
        self.temperature = temperature
        self.topP = topP
        self.stopSequences = stopSequences
        self.reasoning = reasoning
        self.outputFormat = outputFormat
        self.userID = userID
        self.stream = stream
        self.includeUsage = includeUsage
    }
}

public enum CanonicalRole: String, Sendable, Equatable {
    case user, assistant
}

/// One conversation turn. Tool results travel in `user` turns, tool calls in `assistant` turns.
public struct CanonicalMessage: Sendable, Equatable {
    public var role: CanonicalRole
    public var parts: [CanonicalPart]

    public init(role: CanonicalRole, parts: [CanonicalPart]) {
        self.role = role
        self.parts = parts
    }
}

/// What the client asked for in reasoning, before any upstream policy (budgets, adaptive) applies.
public struct CanonicalReasoning: Sendable, Equatable {
    /// OpenAI-style effort: `none`, `minimal`, `low`, `medium`, `high`, `xhigh`, `max`; nil means
    /// "on, upstream default" (the `-thinking` model suffix).
    public var effort: String?
    /// Where the request came from, for logs and for precedence (an explicit effort beats the suffix).
    public var source: Source

    public enum Source: String, Sendable, Equatable {
        case effort, modelSuffix
    }

    public init(effort: String?, source: Source) {
        self.effort = effort
        self.source = source
    }

    /// False only for an explicit `none`.
    public var isEnabled: Bool { effort != "none" }
}

/// A structured-output request.
public enum CanonicalOutputFormat: Sendable, Equatable {
    /// Any JSON object.
    case jsonObject
    /// JSON matching `schema` (a JSON Schema object).
    case jsonSchema(name: String?, schema: JSONValue)
}
