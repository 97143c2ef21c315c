/// Policy for turning a Chat Completions request into an Anthropic one. Every knob has a
/// documented default so `ChatConversionOptions()` is a correct configuration.
public struct ChatConversionOptions: Sendable {
    /// The model-rules hook: given a client model name, the upstream name, or nil when no rule
    /// matches. Called by ``ResolvedModel/resolve(_:rename:)`` (full name first, then the name
    /// without `-thinking`). Default: no rules. Typically `{ matcher.target(for: $0) }`.
    public var renameModel: @Sendable (String) -> String?
    /// Token limits, thinking and structured-output policy for the Anthropic side.
    public var anthropic: AnthropicRequestOptions
    /// Add LiteLLM-style `thinking_blocks` (thinking text with its signature) to responses so a
    /// client that sends them back keeps thinking on across tool turns. Off by default: most
    /// OpenAI clients do not know the field, and G4/G6 do not show it.
    public var emitThinkingBlocks: Bool

    public init(
        renameModel: @escaping @Sendable (String) -> String? = { _ in nil },
        anthropic: AnthropicRequestOptions = .init(), emitThinkingBlocks: Bool = false
    ) {
        self.renameModel = renameModel
        self.anthropic = anthropic
        self.emitThinkingBlocks = emitThinkingBlocks
    }
}

/// How the relay fills in what Anthropic requires and Chat clients leave out. Shared by every
/// converter whose upstream is Anthropic.
public struct AnthropicRequestOptions: Sendable {
    /// `max_tokens` when the client sets none: this value, clamped to the model's cap. Default
    /// 32000 (PROTOCOLS.md §6 conventions; CLIProxyAPI's choice).
    public var defaultMaxTokens: Int
    /// The model's largest `max_tokens`, or nil when unknown (then nothing is clamped).
    /// Default: ``ClaudeModelCatalog/maxOutputTokens(for:)``.
    public var maxTokensCap: @Sendable (String) -> Int?
    /// Budget-style or adaptive thinking, per upstream model. Default: ``ClaudeModelCatalog/thinkingStyle(for:)``.
    public var thinkingStyle: @Sendable (String) -> ClaudeThinkingStyle
    /// Whether the upstream model takes `output_config.format` (native structured output). When
    /// false, `response_format` becomes a forced `json_tool_call` tool (§5.1). Default: true.
    public var nativeStructuredOutput: @Sendable (String) -> Bool
    /// `budget_tokens` for the `-thinking` suffix on budget-style models. Default 24576 (the
    /// `high` effort budget). Always lowered below `max_tokens`.
    public var suffixThinkingBudget: Int
    /// Budget per OpenAI `reasoning_effort` on budget-style models. Default: CLIProxyAPI's table
    /// (§5.11), minimum 1024 as Anthropic requires.
    public var effortBudgets: [String: Int]
    /// When the client set no `max_tokens` and thinking is on, `max_tokens` is raised to at least
    /// budget + this (capped by the model), so the answer has room after the reasoning. Default 4096.
    public var answerHeadroom: Int

    public static let defaultEffortBudgets: [String: Int] = [
        "minimal": 1024, "low": 1024, "medium": 8192, "high": 24576, "xhigh": 32768, "max": 128_000,
    ]

    public init(
        defaultMaxTokens: Int = 32000,
        maxTokensCap: @escaping @Sendable (String) -> Int? = { ClaudeModelCatalog.maxOutputTokens(for: $0) },
        thinkingStyle: @escaping @Sendable (String) -> ClaudeThinkingStyle = { ClaudeModelCatalog.thinkingStyle(for: $0) },
        nativeStructuredOutput: @escaping @Sendable (String) -> Bool = { _ in true },
        suffixThinkingBudget: Int = 24576, effortBudgets: [String: Int] = Self.defaultEffortBudgets,
        answerHeadroom: Int = 4096
    ) {
        self.defaultMaxTokens = defaultMaxTokens
        self.maxTokensCap = maxTokensCap
        self.thinkingStyle = thinkingStyle
        self.nativeStructuredOutput = nativeStructuredOutput
        self.suffixThinkingBudget = suffixThinkingBudget
        self.effortBudgets = effortBudgets
        self.answerHeadroom = answerHeadroom
    }

    /// The smallest budget Anthropic accepts.
    public static let minimumThinkingBudget = 1024
}
