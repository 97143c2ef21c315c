/// OpenAI Chat Completions wire vocabulary shared by the Chat encoders (PROTOCOLS.md §3).
public enum OpenAIChat {
    /// Anthropic stop reason → Chat `finish_reason` (§5.12). `toolUse` only counts when the client
    /// can see a tool call (server tools and the structured-output tool are not client calls).
    public static func finishReason(_ reason: CanonicalStopReason?, hasClientToolCalls: Bool) -> String {
        switch reason {
        case .toolUse?: hasClientToolCalls ? "tool_calls" : "stop"
        case .maxTokens?, .contextWindowExceeded?: "length"
        case .refusal?: "content_filter"
        case .endTurn?, .stopSequence?, .pauseTurn?, .other?, nil: hasClientToolCalls ? "tool_calls" : "stop"
        }
    }

    /// Normalised usage → Chat `usage` (§5.10): `prompt_tokens` counts new input, cache writes and
    /// cache reads; `cached_tokens` is the cache reads. `completion_tokens_details` only when the
    /// reasoning count is known (unknown is never reported as 0).
    public static func usage(_ usage: TokenUsage) -> JSONValue {
        let prompt = usage.promptTotal ?? 0
        let completion = usage.output ?? 0
        var out: JSONObject = [
            "prompt_tokens": .number(Double(prompt)), "completion_tokens": .number(Double(completion)),
            "total_tokens": .number(Double(prompt + completion)),
            "prompt_tokens_details": [
                "cached_tokens": .number(Double(usage.cacheRead ?? 0)), "cache_write_tokens": .number(Double(usage.cacheWrite ?? 0)),
            ],
        ]
        if let reasoning = usage.reasoning {
            out["completion_tokens_details"] = ["reasoning_tokens": .number(Double(reasoning))]
        }
        return .object(out)
    }

    /// `"data: <json>\n\n"`: Chat streams carry no `event:` line.
    public static func frame(_ payload: JSONValue) -> String {
        "data: " + JSONBytesWriter.string(payload) + "\n\n"
    }

    /// The literal end-of-stream frame.
    public static let doneFrame = "data: [DONE]\n\n"
}
