/// Renders a canonical answer as an OpenAI `chat.completion` object (PROTOCOLS.md §3.4, §5.2).
public enum ChatResponseEncoder {
    public static func completion(_ response: CanonicalResponse, context: ChatResponseContext, id: String?, created: Int) -> JSONValue {
        var text = ""
        var reasoning: String?
        var thinkingBlocks: [JSONValue] = []
        var toolCalls: [JSONValue] = []
        for part in response.parts {
            switch part {
            case .text(let value, _):
                text += value
            case .thinking(let value, let signature):
                reasoning = (reasoning ?? "") + value
                if let signature, !signature.isEmpty {
                    thinkingBlocks.append(["type": "thinking", "thinking": .string(value), "signature": .string(signature)])
                }
            case .redactedThinking(let data):
                thinkingBlocks.append(["type": "redacted_thinking", "data": .string(data)])
            case .toolCall(let call):
                if call.name == context.jsonToolName {
                    text += call.arguments
                } else {
                    toolCalls.append(toolCall(call, context: context))
                }
            case .image, .document, .toolResult, .opaque:
                // Server-tool blocks and their results are never client tool calls (§5.14 #21).
                break
            }
        }
        var message: JSONObject = ["role": "assistant"]
        message["content"] = text.isEmpty && !toolCalls.isEmpty ? .null : .string(text)
        if let reasoning { message["reasoning_content"] = .string(reasoning) }
        if context.emitThinkingBlocks, !thinkingBlocks.isEmpty { message["thinking_blocks"] = .array(thinkingBlocks) }
        if !toolCalls.isEmpty { message["tool_calls"] = .array(toolCalls) }
        let choice: JSONObject = [
            "index": 0, "finish_reason": .string(OpenAIChat.finishReason(response.stopReason, hasClientToolCalls: !toolCalls.isEmpty)),
            "logprobs": .null, "message": .object(message),
        ]
        return [
            "id": .string(id ?? completionID(upstream: response.id)), "object": "chat.completion",
            "created": .number(Double(created)), "model": .string(context.requestedModel), "choices": [.object(choice)],
            "usage": OpenAIChat.usage(response.usage),
        ]
    }

    /// `chatcmpl-<upstream id>` keeps the answer traceable to the upstream log (§5.2).
    public static func completionID(upstream: String?) -> String {
        "chatcmpl-" + (upstream ?? "relay")
    }

    static func toolCall(_ call: CanonicalToolCall, context: ChatResponseContext) -> JSONValue {
        if context.customToolNames.contains(call.name) {
            return [
                "id": .string(call.id), "type": "custom",
                "custom": ["name": .string(call.name), "input": .string(customInput(call.arguments))],
            ]
        }
        return [
            "id": .string(call.id), "type": "function",
            "function": ["name": .string(call.name), "arguments": .string(call.arguments)],
        ]
    }

    /// A custom tool travels upstream as `{"input": "<raw>"}`; the client gets the raw text back.
    static func customInput(_ arguments: String) -> String {
        if let input = (try? JSONValue.parse(arguments))?["input"]?.stringValue { return input }
        return arguments
    }
}
