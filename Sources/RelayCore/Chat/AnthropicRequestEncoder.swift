/// Renders a canonical request as an Anthropic Messages body (PROTOCOLS.md §2.2–2.4, §5.1,
/// §5.11) and applies what Anthropic requires that clients of other formats do not know:
/// `max_tokens` always set, thinking budgets below it, no temperature while thinking, no forced
/// tool while thinking, tool results first, ids in `[A-Za-z0-9_-]`.
///
/// Lives under `Chat/` for now; it takes only canonical input, so the Responses → Anthropic
/// converter can share it.
public enum AnthropicRequestEncoder {
    /// The encoded body and the decisions a log line should mention.
    public struct Output: Sendable {
        public var body: JSONValue
        /// Thinking is on in `body`.
        public var thinking: Bool
        /// The synthetic structured-output tool, when one was added (see ``ChatResponseContext/jsonToolName``).
        public var jsonToolName: String?
        /// What was changed or left out, as `param (reason)` strings.
        public var notes: [String]
    }

    /// The synthetic tool for `response_format` on upstreams without native structured output (LiteLLM's name).
    public static let jsonToolName = "json_tool_call"

    public static func encode(_ request: CanonicalRequest, options: AnthropicRequestOptions) -> Output {
        var notes: [String] = []
        let model = request.model
        let cap = options.maxTokensCap(model)
        var maxTokens = min(request.maxOutputTokens ?? options.defaultMaxTokens, cap ?? Int.max)
        if let requested = request.maxOutputTokens, requested > maxTokens {
            notes.append("max_tokens (clamped to the model's \(maxTokens))")
        }

        // Thinking: decide before structured output, since a forced tool and thinking exclude each other.
        let reasoningParam = request.reasoning?.source == .modelSuffix ? "model (-thinking suffix)" : "reasoning_effort"
        var thinkingWanted = request.reasoning?.isEnabled ?? false
        let style = options.thinkingStyle(model)
        if thinkingWanted, style == .unsupported {
            thinkingWanted = false
            notes.append("\(reasoningParam) (model has no extended thinking)")
        }
        if thinkingWanted, request.toolChoice == .required || { if case .named = request.toolChoice { true } else { false } }() {
            thinkingWanted = false
            notes.append("\(reasoningParam) (Anthropic forbids thinking with a forced tool_choice)")
        }
        if thinkingWanted, lastAssistantHasUnsignedToolUse(request.messages) {
            thinkingWanted = false
            notes.append("\(reasoningParam) (the last assistant tool call has no signed thinking block to send back)")
        }
        var thinking: JSONValue?
        var effort: String?
        if thinkingWanted {
            switch style {
            case .adaptive:
                thinking = ["type": "adaptive"]
                effort = request.reasoning?.effort.map(adaptiveEffort)
            case .budget, .unsupported:
                var budget = request.reasoning?.effort.flatMap { options.effortBudgets[$0] } ?? options.suffixThinkingBudget
                budget = max(budget, AnthropicRequestOptions.minimumThinkingBudget)
                if request.maxOutputTokens == nil {
                    maxTokens = max(maxTokens, min(budget + options.answerHeadroom, cap ?? Int.max))
                }
                if budget >= maxTokens {
                    budget = max(AnthropicRequestOptions.minimumThinkingBudget, maxTokens / 2)
                    notes.append("\(reasoningParam) (budget lowered to \(budget) to stay below max_tokens \(maxTokens))")
                }
                if budget < maxTokens {
                    thinking = ["type": "enabled", "budget_tokens": .number(Double(budget))]
                } else {
                    notes.append("\(reasoningParam) (max_tokens \(maxTokens) leaves no room for the 1024-token minimum budget)")
                }
            }
        } else if request.reasoning?.effort == "none", style != .unsupported {
            thinking = ["type": "disabled"]
        }
        let thinkingOn = thinking?["type"]?.stringValue == "enabled" || thinking?["type"]?.stringValue == "adaptive"

        var body = JSONObject()
        body["model"] = .string(model)
        body["max_tokens"] = .number(Double(maxTokens))
        body["stream"] = true

        // Structured output: native when the model has it; otherwise a forced tool when thinking is
        // off, or an instruction when it is on (a forced tool would turn thinking off).
        var system = request.system.compactMap(encodeSystemPart)
        var tools = request.tools.map(encodeTool)
        var toolChoice = request.toolChoice
        var outputFormat: JSONValue?
        var jsonTool: String?
        switch request.outputFormat {
        case .jsonSchema(_, let schema) where options.nativeStructuredOutput(model):
            outputFormat = ["type": "json_schema", "schema": schema]
        case .some(let format):
            let schema: JSONValue? = if case .jsonSchema(_, let schema) = format { schema } else { nil }
            if thinkingOn {
                var instruction = "Respond with a single JSON object and no other text."
                if let schema { instruction += " It must match this JSON Schema: " + JSONBytesWriter.string(schema) }
                system.append(["type": "text", "text": .string(instruction)])
                notes.append("response_format (sent as an instruction: thinking is on)")
            } else {
                var name = jsonToolName
                while request.tools.contains(where: { $0.name == name }) { name += "_" }
                jsonTool = name
                tools.append([
                    "name": .string(name), "description": "Respond with the final answer by calling this tool with the JSON result.",
                    "input_schema": normalizedSchema(schema ?? ["type": "object", "additionalProperties": true, "properties": [:]]),
                ])
                if request.tools.isEmpty { toolChoice = .named(name) }
            }
        case nil:
            break
        }

        if !system.isEmpty { body["system"] = .array(system) }
        var messages = request.messages.map { encodeMessage($0, notes: &notes) }.filter { !($0["content"]?.arrayValue?.isEmpty ?? true) }
        messages = mergeSameRole(messages)
        body["messages"] = .array(messages)

        if tools.isEmpty, historyHasToolBlocks(request.messages) {
            // Anthropic rejects tool_use/tool_result history without a tools array (§5.1 pitfall).
            tools = [[
                "name": "noop", "description": "Placeholder so earlier tool calls in this conversation stay valid. Never call it.",
                "input_schema": ["type": "object", "properties": [:]],
            ]]
            toolChoice = CanonicalToolChoice.none
        }
        if !tools.isEmpty {
            body["tools"] = .array(tools)
            if let choice = encodeToolChoice(toolChoice, parallel: request.parallelToolCalls) { body["tool_choice"] = choice }
        } else if request.toolChoice != nil {
            notes.append("tool_choice (no tools)")
        }

        if let thinking { body["thinking"] = thinking }
        if effort != nil || outputFormat != nil {
            var config = JSONObject()
            if let effort { config["effort"] = .string(effort) }
            if let outputFormat { config["format"] = outputFormat }
            body["output_config"] = .object(config)
        }

        if let temperature = request.temperature {
            if thinkingOn {
                notes.append("temperature (thinking on)")
            } else {
                body["temperature"] = .number(min(temperature, 1))
            }
        }
        if let topP = request.topP {
            if thinkingOn, topP < 0.95 {
                notes.append("top_p (below 0.95 is not allowed with thinking)")
            } else if !thinkingOn, request.temperature != nil {
                notes.append("top_p (newer Claude models take temperature or top_p, not both)")
            } else {
                body["top_p"] = .number(topP)
            }
        }
        if !request.stopSequences.isEmpty { body["stop_sequences"] = .array(request.stopSequences.map(JSONValue.string)) }
        if let user = request.userID { body["metadata"] = ["user_id": .string(user)] }
        return Output(body: .object(body), thinking: thinkingOn, jsonToolName: jsonTool, notes: notes)
    }

    /// OpenAI effort → Anthropic `output_config.effort` (§5.11): `minimal` has no Anthropic level.
    static func adaptiveEffort(_ effort: String) -> String {
        effort == "minimal" ? "low" : effort
    }

    static func lastAssistantHasUnsignedToolUse(_ messages: [CanonicalMessage]) -> Bool {
        guard let last = messages.last(where: { $0.role == .assistant }) else { return false }
        let hasToolCall = last.parts.contains { if case .toolCall = $0 { true } else { false } }
        guard hasToolCall else { return false }
        switch last.parts.first {
        case .thinking(_, let signature?)?: return signature.isEmpty
        case .redactedThinking?: return false
        default: return true
        }
    }

    static func historyHasToolBlocks(_ messages: [CanonicalMessage]) -> Bool {
        messages.contains { message in
            message.parts.contains {
                switch $0 {
                case .toolCall, .toolResult: true
                default: false
                }
            }
        }
    }

    // MARK: - Blocks

    static func encodeSystemPart(_ part: CanonicalPart) -> JSONValue? {
        guard case .text(let text, let cache) = part else { return nil }
        return textBlock(text, cache)
    }

    static func textBlock(_ text: String, _ cache: JSONValue?) -> JSONValue {
        var block: JSONObject = ["type": "text", "text": .string(text)]
        if let cache { block["cache_control"] = cache }
        return .object(block)
    }

    static func encodeMessage(_ message: CanonicalMessage, notes: inout [String]) -> JSONValue {
        var blocks: [JSONValue] = []
        for part in message.parts {
            if let block = encodePart(part, notes: &notes) { blocks.append(block) }
        }
        return ["role": .string(message.role.rawValue), "content": .array(blocks)]
    }

    static func encodePart(_ part: CanonicalPart, notes: inout [String]) -> JSONValue? {
        switch part {
        case .text(let text, let cache):
            return textBlock(text, cache)
        case .image(let source, let cache):
            var block: JSONObject = ["type": "image", "source": encodeSource(source)]
            if let cache { block["cache_control"] = cache }
            return .object(block)
        case .document(let source, let title, let cache):
            var block: JSONObject = ["type": "document", "source": encodeSource(source)]
            if let title { block["title"] = .string(title) }
            if let cache { block["cache_control"] = cache }
            return .object(block)
        case .thinking(let text, let signature):
            guard let signature, !signature.isEmpty else {
                notes.append("thinking (unsigned)")
                return nil
            }
            return ["type": "thinking", "thinking": .string(text), "signature": .string(signature)]
        case .redactedThinking(let data):
            return ["type": "redacted_thinking", "data": .string(data)]
        case .toolCall(let call):
            let input: JSONValue
            switch call.kind {
            case .function:
                if case .object(let object)? = try? JSONValue.parse(call.arguments) { input = .object(object) } else { input = [:] }
            case .custom:
                input = ["input": .string(call.arguments)]
            }
            return ["type": "tool_use", "id": .string(sanitizedID(call.id)), "name": .string(call.name), "input": input]
        case .toolResult(let result):
            var block: JSONObject = ["type": "tool_result", "tool_use_id": .string(sanitizedID(result.callID))]
            let texts = result.content.compactMap(\.text)
            if texts.count == result.content.count {
                let joined = texts.joined()
                if !joined.isEmpty { block["content"] = .string(joined) }
            } else {
                block["content"] = .array(result.content.compactMap { encodePart($0, notes: &notes) })
            }
            if result.isError { block["is_error"] = true }
            return .object(block)
        case .opaque(_, let raw):
            return raw
        }
    }

    static func encodeSource(_ source: CanonicalMediaSource) -> JSONValue {
        switch source {
        case .base64(let mediaType, let data): ["type": "base64", "media_type": .string(mediaType), "data": .string(data)]
        case .url(let url): ["type": "url", "url": .string(url)]
        case .text(let text): ["type": "text", "media_type": "text/plain", "data": .string(text)]
        }
    }

    /// Anthropic tool ids must match `^[a-zA-Z0-9_-]+$`; other characters become `_`. Deterministic,
    /// so a `tool_use` id and its `tool_result` reference stay equal.
    public static func sanitizedID(_ id: String) -> String {
        var out = ""
        out.unicodeScalars.reserveCapacity(id.unicodeScalars.count)
        for scalar in id.unicodeScalars {
            let ok = scalar.isASCII && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || scalar == "_" || scalar == "-")
            out.unicodeScalars.append(ok ? scalar : "_")
        }
        return out.isEmpty ? "_" : out
    }

    /// Consecutive turns with the same role become one (some Anthropic-compatible servers do not
    /// merge them, and tool_result placement depends on it).
    static func mergeSameRole(_ messages: [JSONValue]) -> [JSONValue] {
        var out: [JSONValue] = []
        for message in messages {
            if let last = out.last, last["role"] == message["role"],
                let previous = last["content"]?.arrayValue, let next = message["content"]?.arrayValue
            {
                out[out.count - 1] = ["role": last["role"] ?? "user", "content": .array(previous + next)]
            } else {
                out.append(message)
            }
        }
        return out
    }

    // MARK: - Tools

    static func encodeTool(_ tool: CanonicalTool) -> JSONValue {
        switch tool.kind {
        case .function(let parameters):
            var out: JSONObject = ["name": .string(tool.name)]
            if let description = tool.description { out["description"] = .string(description) }
            out["input_schema"] = normalizedSchema(parameters)
            return .object(out)
        case .custom:
            var out: JSONObject = ["name": .string(tool.name)]
            if let description = tool.description { out["description"] = .string(description) }
            out["input_schema"] = ["type": "object", "properties": ["input": ["type": "string"]], "required": ["input"]]
            return .object(out)
        case .webSearch(let maxUses, let location):
            var out: JSONObject = ["type": "web_search_20250305", "name": "web_search"]
            if let maxUses { out["max_uses"] = .number(Double(maxUses)) }
            if let location { out["user_location"] = location }
            return .object(out)
        }
    }

    /// Anthropic needs `type: object` at the top and rejects top-level `anyOf`/`oneOf`/`allOf`:
    /// those alternatives are merged into `properties` (an `allOf`'s `required` lists are kept,
    /// an `anyOf`/`oneOf`'s are not, since only one branch applies). A schema that is already a
    /// plain object schema passes through unchanged.
    public static func normalizedSchema(_ schema: JSONValue?) -> JSONValue {
        guard case .object(var object)? = schema else { return ["type": "object", "properties": [:]] }
        let combinators = ["anyOf", "oneOf", "allOf"].filter { object[$0] != nil }
        if combinators.isEmpty, object["type"]?.stringValue == "object" { return .object(object) }
        var properties = object["properties"]?.objectValue ?? JSONObject()
        var required = object["required"]?.arrayValue ?? []
        for key in combinators {
            for branch in object[key]?.arrayValue ?? [] {
                for member in branch["properties"]?.objectValue?.members ?? [] where properties[member.key] == nil {
                    properties[member.key] = member.value
                }
                if key == "allOf" {
                    for name in branch["required"]?.arrayValue ?? [] where !required.contains(name) { required.append(name) }
                }
            }
            object[key] = nil
        }
        object["type"] = "object"
        object["properties"] = .object(properties)
        if !required.isEmpty { object["required"] = .array(required) }
        return .object(object)
    }

    /// `parallel_tool_calls: false` becomes `disable_parallel_tool_use: true`, creating
    /// `{"type":"auto"}` when the client gave no choice (§5.1); `none` takes no such flag.
    static func encodeToolChoice(_ choice: CanonicalToolChoice?, parallel: Bool?) -> JSONValue? {
        var out: JSONObject
        switch choice {
        case CanonicalToolChoice.none?: return ["type": "none"]
        case .auto?: out = ["type": "auto"]
        case .required?: out = ["type": "any"]
        case .named(let name)?: out = ["type": "tool", "name": .string(name)]
        case nil:
            guard parallel == false else { return nil }
            out = ["type": "auto"]
        }
        if parallel == false { out["disable_parallel_tool_use"] = true }
        return .object(out)
    }
}
