import Foundation
import Testing

@testable import RelayCore

@Suite struct ChatRequestConversionTests {
    static let weatherTool: JSONValue = [
        "type": "function",
        "function": ["name": "get_weather", "parameters": ["type": "object", "properties": ["city": ["type": "string"]]]],
    ]

    func body(_ extra: JSONObject = [:], messages: JSONValue = [["role": "user", "content": "Hi"]], model: String = "claude-sonnet-4-5") -> JSONValue {
        var object: JSONObject = ["model": .string(model), "messages": messages]
        for member in extra.members { object[member.key] = member.value }
        return .object(object)
    }

    func convert(_ value: JSONValue, _ options: ChatConversionOptions = .init()) throws -> ConvertedRequest {
        try ChatToAnthropic.convert(value, options: options)
    }

    func wireError(_ value: JSONValue) -> WireError? {
        do {
            _ = try ChatToAnthropic.convert(value)
            return nil
        } catch {
            return error
        }
    }

    // MARK: - tool_choice and parallel_tool_calls

    struct ToolChoiceCase: Sendable, CustomTestStringConvertible {
        var choice: JSONValue
        var parallel: Bool?
        var expected: JSONValue
        var testDescription: String { "\(choice.serialized()) parallel=\(parallel.map(String.init) ?? "unset")" }
    }

    static let toolChoiceCases: [ToolChoiceCase] = {
        let named: JSONValue = ["type": "function", "function": ["name": "get_weather"]]
        return [
            ToolChoiceCase(choice: "auto", parallel: nil, expected: ["type": "auto"]),
            ToolChoiceCase(choice: "none", parallel: nil, expected: ["type": "none"]),
            ToolChoiceCase(choice: "required", parallel: nil, expected: ["type": "any"]),
            ToolChoiceCase(choice: named, parallel: nil, expected: ["type": "tool", "name": "get_weather"]),
            ToolChoiceCase(choice: "auto", parallel: false, expected: ["type": "auto", "disable_parallel_tool_use": true]),
            ToolChoiceCase(choice: "required", parallel: false, expected: ["type": "any", "disable_parallel_tool_use": true]),
            ToolChoiceCase(
                choice: named, parallel: false, expected: ["type": "tool", "name": "get_weather", "disable_parallel_tool_use": true]),
            ToolChoiceCase(choice: "none", parallel: false, expected: ["type": "none"]),
            ToolChoiceCase(choice: "auto", parallel: true, expected: ["type": "auto"]),
            ToolChoiceCase(choice: .null, parallel: false, expected: ["type": "auto", "disable_parallel_tool_use": true]),
        ]
    }()

    @Test(arguments: toolChoiceCases)
    func toolChoiceVariants(_ testCase: ToolChoiceCase) throws {
        var extra: JSONObject = ["tools": [Self.weatherTool], "tool_choice": testCase.choice]
        if let parallel = testCase.parallel { extra["parallel_tool_calls"] = .bool(parallel) }
        let converted = try convert(body(extra))
        expectJSONEqual(converted.body["tool_choice"] ?? .null, testCase.expected, testCase.testDescription)
    }

    @Test func noToolChoiceAndNoParallelFlagLeavesToolChoiceOut() throws {
        let converted = try convert(body(["tools": [Self.weatherTool]]))
        #expect(converted.body["tool_choice"] == nil)
    }

    @Test func allowedToolsFiltersAndMapsMode() throws {
        let other: JSONValue = ["type": "function", "function": ["name": "other"]]
        let choice: JSONValue = [
            "type": "allowed_tools",
            "allowed_tools": ["mode": "required", "tools": [["type": "function", "function": ["name": "other"]]]],
        ]
        let converted = try convert(body(["tools": [Self.weatherTool, other], "tool_choice": choice]))
        #expect(converted.body["tools"]?.arrayValue?.map { $0["name"] } == ["other"])
        expectJSONEqual(converted.body["tool_choice"] ?? .null, ["type": "any"], "allowed_tools")
    }

    @Test func namedToolChoiceMustExist() {
        let error = wireError(body(["tools": [Self.weatherTool], "tool_choice": ["type": "function", "function": ["name": "nope"]]]))
        #expect(error?.param == "tool_choice.function.name")
    }

    @Test func toolChoiceWithoutToolsIsDroppedAndListed() throws {
        let converted = try convert(body(["tool_choice": "auto"]))
        #expect(converted.body["tool_choice"] == nil)
        #expect(converted.dropped.contains("tool_choice (no tools)"))
    }

    @Test func legacyFunctionsAndFunctionCallMap() throws {
        let converted = try convert(
            body(
                ["functions": [["name": "f", "parameters": ["type": "object"]]], "function_call": ["name": "f"]],
                messages: [
                    ["role": "user", "content": "go"],
                    ["role": "assistant", "content": nil, "function_call": ["name": "f", "arguments": "{\"a\":1}"]],
                    ["role": "function", "name": "f", "content": "done"],
                ]))
        expectJSONEqual(converted.body["tool_choice"] ?? .null, ["type": "tool", "name": "f"], "function_call")
        let messages = converted.body["messages"]?.arrayValue ?? []
        #expect(messages[1]["content"]?[0]?["id"] == "call_legacy_1")
        #expect(messages[2]["content"]?[0]?["tool_use_id"] == "call_legacy_1")
    }

    // MARK: - Thinking: budgets always below max_tokens

    @Test func thinkingBudgetIsAlwaysBelowMaxTokens() throws {
        let efforts: [String?] = [nil, "minimal", "low", "medium", "high", "xhigh", "max"]
        let limits: [Int?] = [nil, 1, 100, 1024, 1025, 2000, 4096, 8192, 16000, 24576, 32000, 64000, 200_000]
        let models = ["claude-sonnet-4-5", "claude-opus-4-1", "claude-3-7-sonnet-latest", "glm-4.6", "claude-sonnet-4-5-thinking"]
        var checked = 0
        for model in models {
            for effort in efforts {
                for limit in limits {
                    var extra: JSONObject = [:]
                    if let effort { extra["reasoning_effort"] = .string(effort) }
                    if let limit { extra["max_tokens"] = .number(Double(limit)) }
                    let converted = try convert(body(extra, model: model))
                    let maxTokens = converted.body["max_tokens"]?.intValue ?? 0
                    #expect(maxTokens > 0)
                    if let cap = ClaudeModelCatalog.maxOutputTokens(for: converted.upstreamModel) { #expect(maxTokens <= cap) }
                    if let limit { #expect(maxTokens <= limit, "never above the client's own cap") }
                    if let budget = converted.body["thinking"]?["budget_tokens"]?.intValue {
                        #expect(budget >= 1024 && budget < maxTokens, "\(model) \(String(describing: effort)) \(String(describing: limit))")
                        #expect(converted.thinking)
                        checked += 1
                    }
                    if converted.thinking { #expect(converted.body["temperature"] == nil) }
                }
            }
        }
        #expect(checked > 50)
    }

    @Test func suffixRaisesDefaultMaxTokensForHeadroomWithinTheCap() throws {
        let options = ChatConversionOptions(anthropic: AnthropicRequestOptions(suffixThinkingBudget: 30000))
        let converted = try convert(body(model: "claude-sonnet-4-5-thinking"), options)
        #expect(converted.body["max_tokens"] == 34096)
        #expect(converted.body["thinking"]?["budget_tokens"] == 30000)
        // Opus 4.1 caps at 32000: the budget is kept below it.
        let opus = try convert(body(model: "claude-opus-4-1-thinking"), options)
        #expect(opus.body["max_tokens"] == 32000)
        #expect(opus.body["thinking"]?["budget_tokens"] == 30000)
    }

    @Test func tinyMaxTokensTurnsThinkingOff() throws {
        let converted = try convert(body(["max_tokens": 1000, "reasoning_effort": "high"]))
        #expect(converted.body["thinking"] == nil)
        #expect(!converted.thinking)
        #expect(converted.dropped.contains { $0.hasPrefix("reasoning_effort (max_tokens 1000") })
    }

    @Test func effortNoneDisablesThinkingEvenWithSuffix() throws {
        let converted = try convert(body(["reasoning_effort": "none"], model: "claude-sonnet-4-5-thinking"))
        expectJSONEqual(converted.body["thinking"] ?? .null, ["type": "disabled"], "none")
        #expect(converted.upstreamModel == "claude-sonnet-4-5")
    }

    @Test func adaptiveModelsGetEffortNotBudget() throws {
        let converted = try convert(body(["reasoning_effort": "minimal"], model: "claude-opus-4-7"))
        expectJSONEqual(converted.body["thinking"] ?? .null, ["type": "adaptive"], "adaptive")
        #expect(converted.body["output_config"]?["effort"] == "low")
        let suffix = try convert(body(model: "claude-opus-4-7-thinking"))
        expectJSONEqual(suffix.body["thinking"] ?? .null, ["type": "adaptive"], "adaptive suffix")
        #expect(suffix.body["output_config"] == nil)
    }

    @Test func modelsWithoutThinkingDropTheRequest() throws {
        let converted = try convert(body(["reasoning_effort": "high"], model: "claude-3-5-haiku-20241022"))
        #expect(converted.body["thinking"] == nil)
        #expect(converted.body["max_tokens"] == 8192, "clamped to the model cap")
    }

    @Test func forcedToolChoiceTurnsThinkingOff() throws {
        let converted = try convert(body(["tools": [Self.weatherTool], "tool_choice": "required", "temperature": .number(0.3)], model: "claude-sonnet-4-5-thinking"))
        #expect(converted.body["thinking"] == nil)
        #expect(converted.body["temperature"] == JSONValue.number(0.3))
        #expect(converted.dropped.contains { $0.contains("forced tool_choice") })
    }

    @Test func unsignedToolTurnTurnsThinkingOffButSignedThinkingBlocksKeepIt() throws {
        let history: JSONValue = [
            ["role": "user", "content": "weather?"],
            [
                "role": "assistant", "content": nil, "reasoning_content": "hmm",
                "tool_calls": [["id": "call_1", "type": "function", "function": ["name": "get_weather", "arguments": "{}"]]],
            ],
            ["role": "tool", "tool_call_id": "call_1", "content": "sunny"],
        ]
        let unsigned = try convert(body(["tools": [Self.weatherTool], "reasoning_effort": "low"], messages: history))
        #expect(!unsigned.thinking)
        #expect(unsigned.dropped.contains("messages[1].reasoning_content (unsigned)"))

        guard case .array(var items) = history, case .object(var assistant) = items[1] else { return }
        assistant["thinking_blocks"] = [["type": "thinking", "thinking": "hmm", "signature": "sig-1"]]
        items[1] = .object(assistant)
        let signed = try convert(body(["tools": [Self.weatherTool], "reasoning_effort": "low"], messages: .array(items)))
        #expect(signed.thinking)
        let blocks = signed.body["messages"]?[1]?["content"]?.arrayValue ?? []
        expectJSONEqual(blocks[0], ["type": "thinking", "thinking": "hmm", "signature": "sig-1"], "signed thinking first")
        #expect(blocks[1]["type"] == "tool_use")
    }

    // MARK: - Sampling

    @Test func temperatureClampsAndTopPIsDroppedBesideIt() throws {
        let converted = try convert(body(["temperature": 2, "top_p": .number(0.9)]))
        #expect(converted.body["temperature"] == 1)
        #expect(converted.body["top_p"] == nil)
        let onlyTopP = try convert(body(["top_p": .number(0.9)]))
        #expect(onlyTopP.body["top_p"] == JSONValue.number(0.9))
        #expect(wireError(body(["temperature": -1]))?.param == "temperature")
    }

    @Test func maxCompletionTokensWinsAndIsClampedToTheModel() throws {
        let converted = try convert(body(["max_tokens": 10, "max_completion_tokens": 999_999]))
        #expect(converted.body["max_tokens"] == 64000)
        #expect(converted.dropped.contains("max_tokens (max_completion_tokens wins)"))
        #expect(converted.dropped.contains("max_tokens (clamped to the model's 64000)"))
        let unknown = try convert(body(["max_tokens": 999_999], model: "some-compatible-model"))
        #expect(unknown.body["max_tokens"] == 999_999, "unknown models are not clamped")
        #expect(wireError(body(["max_tokens": 0]))?.param == "max_tokens")
    }

    @Test func stopSequencesDropWhitespaceOnly() throws {
        let converted = try convert(body(["stop": ["END", " ", "\n", "STOP"]]))
        #expect(converted.body["stop_sequences"] == ["END", "STOP"])
    }

    @Test func personalUserIDsAreNotForwarded() throws {
        #expect(try convert(body(["user": "a@b.com"])).body["metadata"] == nil)
        #expect(try convert(body(["user": "+1 (555) 123-4567"])).body["metadata"] == nil)
        #expect(try convert(body(["user": "u_42", "safety_identifier": "sid_1"])).body["metadata"]?["user_id"] == "sid_1")
    }

    @Test func streamOptionsOnlyCountWhenStreaming() throws {
        let streaming = try convert(body(["stream": true, "stream_options": ["include_usage": true]]))
        #expect(streaming.stream && streaming.includeUsage && streaming.responseContext.includeUsage)
        let plain = try convert(body(["stream": false, "stream_options": ["include_usage": true]]))
        #expect(!plain.stream && !plain.includeUsage)
        let absent = try convert(body(["stream": true]))
        #expect(!absent.includeUsage)
        #expect(plain.body["stream"] == true, "upstream always streams")
    }

    // MARK: - Refusals (400 in OpenAI's shape)

    static let refusals: [(String, JSONValue, String)] = [
        ("n", 3, "n"),
        ("logprobs", true, "logprobs"),
        ("top_logprobs", 2, "top_logprobs"),
        ("audio", ["voice": "alloy", "format": "wav"], "audio"),
        ("modalities", ["text", "audio"], "modalities"),
        ("reasoning_effort", "extreme", "reasoning_effort"),
        ("response_format", ["type": "xml"], "response_format.type"),
        ("tools", [["type": "function", "function": ["name": "bad.name"]]], "tools[0].function.name"),
    ]

    @Test(arguments: refusals)
    func unsupportedParametersAreRejected(key: String, value: JSONValue, param: String) throws {
        let error = try #require(wireError(body([key: value])))
        #expect(error.status == 400)
        #expect(error.param == param)
        #expect(error.openAIBody["error"]?["param"] == .string(param))
        #expect(error.message.hasPrefix(param))
    }

    @Test func nEqualToOneAndLogprobsFalseAreAccepted() throws {
        _ = try convert(body(["n": 1, "logprobs": false, "top_logprobs": 0, "modalities": ["text"]]))
    }

    @Test func malformedBodiesNameTheirPath() {
        #expect(wireError(.array([]))?.param == nil)
        #expect(wireError(["messages": []])?.param == "model")
        #expect(wireError(["model": "m"])?.param == "messages")
        #expect(wireError(body(messages: [["role": "wizard", "content": "x"]]))?.param == "messages[0].role")
        #expect(wireError(body(messages: [["role": "user", "content": [["type": "image_url", "image_url": ["url": "ftp://x/y.png"]]]]]))?.param
            == "messages[0].content[0].image_url.url")
        #expect(wireError(body(messages: [["role": "user", "content": [["type": "file", "file": ["file_id": "file-1"]]]]]))?.param
            == "messages[0].content[0].file.file_id")
        #expect(wireError(body(messages: [["role": "system", "content": "only system"]]))?.param == "messages")
    }

    // MARK: - Messages

    @Test func imageURLsAndDocuments() throws {
        let pdf = "data:application/pdf;base64,JVBERi0x"
        let text = "data:text/plain;base64," + Data("hello".utf8).base64EncodedString()
        let converted = try convert(
            body(messages: [[
                "role": "user",
                "content": [
                    ["type": "image_url", "image_url": ["url": "HTTPS://Example.com/a.webp"]],
                    ["type": "image_url", "image_url": "data:image/gif;base64,R0lG"],
                    ["type": "file", "file": ["file_data": .string(pdf), "filename": "a.pdf"]],
                    ["type": "file", "file": ["file_data": .string(text)]],
                ],
            ]]))
        let blocks = converted.body["messages"]?[0]?["content"]?.arrayValue ?? []
        expectJSONEqual(blocks[0], ["type": "image", "source": ["type": "url", "url": "HTTPS://Example.com/a.webp"]], "url")
        expectJSONEqual(blocks[1], ["type": "image", "source": ["type": "base64", "media_type": "image/gif", "data": "R0lG"]], "gif")
        expectJSONEqual(
            blocks[2], ["type": "document", "title": "a.pdf", "source": ["type": "base64", "media_type": "application/pdf", "data": "JVBERi0x"]], "pdf")
        expectJSONEqual(blocks[3], ["type": "document", "source": ["type": "text", "media_type": "text/plain", "data": "hello"]], "text")
    }

    @Test func leadingAssistantGetsAPlaceholderUserAndFinalPrefillIsTrimmed() throws {
        let converted = try convert(
            body(messages: [
                ["role": "assistant", "content": "Earlier."], ["role": "user", "content": "Go on"],
                ["role": "assistant", "content": "Sure, \n "],
            ]))
        let messages = converted.body["messages"]?.arrayValue ?? []
        #expect(messages.map { $0["role"] } == ["user", "assistant", "user", "assistant"])
        #expect(messages[0]["content"]?[0]?["text"] == .string(ChatRequestDecoder.leadingUserPlaceholder))
        #expect(messages[3]["content"]?[0]?["text"] == "Sure,")
    }

    @Test func consecutiveSameRoleTurnsMergeAndBlankTextIsSkipped() throws {
        let converted = try convert(
            body(messages: [["role": "user", "content": "a"], ["role": "user", "content": "  "], ["role": "user", "content": [["type": "text", "text": "b"]]]]))
        let messages = converted.body["messages"]?.arrayValue ?? []
        #expect(messages.count == 1)
        #expect(messages[0]["content"]?.arrayValue?.map { $0["text"] } == ["a", "b"])
    }

    @Test func repeatedToolCallIDKeepsFirstPositionAndLastContent() throws {
        let converted = try convert(
            body(
                ["tools": [Self.weatherTool]],
                messages: [
                    ["role": "user", "content": "x"],
                    [
                        "role": "assistant",
                        "tool_calls": [
                            ["id": "c1", "type": "function", "function": ["name": "get_weather", "arguments": "{}"]],
                            ["id": "c2", "type": "function", "function": ["name": "get_weather", "arguments": "{}"]],
                        ],
                    ],
                    ["role": "tool", "tool_call_id": "c1", "content": "old"],
                    ["role": "tool", "tool_call_id": "c2", "content": "two"],
                    ["role": "tool", "tool_call_id": "c1", "content": "new"],
                ]))
        let results = converted.body["messages"]?[2]?["content"]?.arrayValue ?? []
        #expect(results.map { $0["tool_use_id"] } == ["c1", "c2"])
        #expect(results.map { $0["content"] } == ["new", "two"])
    }

    @Test func invalidToolArgumentsBecomeEmptyObjectAndAreListed() throws {
        let converted = try convert(
            body(
                ["tools": [Self.weatherTool]],
                messages: [
                    ["role": "user", "content": "x"],
                    ["role": "assistant", "tool_calls": [["id": "c.1", "type": "function", "function": ["name": "get_weather", "arguments": "{\"ci"]]]],
                    ["role": "tool", "tool_call_id": "c.1", "content": "ok"],
                ]))
        let call = converted.body["messages"]?[1]?["content"]?[0]
        #expect(call?["input"] == [:])
        #expect(call?["id"] == "c_1", "ids are sanitised for Anthropic")
        #expect(converted.body["messages"]?[2]?["content"]?[0]?["tool_use_id"] == "c_1", "and stay paired")
        #expect(converted.dropped.contains("messages[1].tool_calls[0].function.arguments (not a JSON object; sent as {})"))
    }

    @Test func toolHistoryWithoutToolsGetsAPlaceholderTool() throws {
        let converted = try convert(
            body(messages: [
                ["role": "user", "content": "x"],
                ["role": "assistant", "tool_calls": [["id": "c1", "type": "function", "function": ["name": "f", "arguments": "{}"]]]],
                ["role": "tool", "tool_call_id": "c1", "content": "ok"],
            ]))
        #expect(converted.body["tools"]?[0]?["name"] == "noop")
        expectJSONEqual(converted.body["tool_choice"] ?? .null, ["type": "none"], "noop")
    }

    @Test func droppedFieldsAreListedInOrder() throws {
        let converted = try convert(
            body(
                ["seed": 1, "logit_bias": ["1": 2], "presence_penalty": .number(0.1), "metadata": ["a": "b"], "store": true, "service_tier": .null],
                messages: [["role": "user", "content": "hi", "name": "bob"]]))
        #expect(converted.dropped == ["seed", "logit_bias", "presence_penalty", "metadata", "store", "messages[0].name"])
    }

    // MARK: - Tools and structured output

    @Test func schemasAreNormalisedForAnthropic() {
        expectJSONEqual(AnthropicRequestEncoder.normalizedSchema(nil), ["type": "object", "properties": [:]], "missing")
        let anyOf: JSONValue = ["anyOf": [["properties": ["a": ["type": "string"]], "required": ["a"]], ["properties": ["b": ["type": "number"]]]]]
        expectJSONEqual(
            AnthropicRequestEncoder.normalizedSchema(anyOf),
            ["type": "object", "properties": ["a": ["type": "string"], "b": ["type": "number"]]], "anyOf")
        let plain: JSONValue = ["type": "object", "properties": ["x": ["type": "string"]], "additionalProperties": false]
        #expect(AnthropicRequestEncoder.normalizedSchema(plain) == plain, "already an object schema: unchanged")
    }

    @Test func customToolsAndWebSearch() throws {
        let converted = try convert(
            body([
                "tools": [["type": "custom", "custom": ["name": "apply_patch", "description": "Patch files"]]],
                "web_search_options": ["search_context_size": "high", "user_location": ["type": "approximate", "approximate": ["city": "Paris"]]],
            ]))
        let tools = converted.body["tools"]?.arrayValue ?? []
        expectJSONEqual(
            tools[0],
            [
                "name": "apply_patch", "description": "Patch files",
                "input_schema": ["type": "object", "properties": ["input": ["type": "string"]], "required": ["input"]],
            ], "custom")
        expectJSONEqual(
            tools[1], ["type": "web_search_20250305", "name": "web_search", "max_uses": 10, "user_location": ["type": "approximate", "city": "Paris"]],
            "web search")
        #expect(converted.responseContext.customToolNames == ["apply_patch"])
    }

    @Test func jsonObjectUsesTheToolTrickWhenThinkingIsOffAndAnInstructionWhenOn() throws {
        let off = try convert(body(["response_format": ["type": "json_object"]]))
        #expect(off.responseContext.jsonToolName == "json_tool_call")
        expectJSONEqual(off.body["tool_choice"] ?? .null, ["type": "tool", "name": "json_tool_call"], "forced")
        #expect(off.body["tools"]?[0]?["input_schema"]?["type"] == "object")

        let on = try convert(body(["response_format": ["type": "json_object"], "reasoning_effort": "low"]))
        #expect(on.thinking)
        #expect(on.responseContext.jsonToolName == nil)
        #expect(on.body["tools"] == nil)
        #expect(on.body["system"]?.arrayValue?.last?["text"]?.stringValue?.contains("JSON") == true)
    }

    @Test func jsonSchemaWithoutNativeSupportUsesTheSchemaAsToolInput() throws {
        let schema: JSONValue = ["type": "object", "properties": ["a": ["type": "string"]]]
        let options = ChatConversionOptions(anthropic: AnthropicRequestOptions(nativeStructuredOutput: { _ in false }))
        let converted = try convert(
            body(["response_format": ["type": "json_schema", "json_schema": ["name": "x", "schema": schema]]]), options)
        #expect(converted.body["output_config"] == nil)
        #expect(converted.body["tools"]?[0]?["input_schema"] == schema)
        // With user tools present the JSON tool is offered, not forced.
        let withTools = try convert(
            body(["tools": [Self.weatherTool], "response_format": ["type": "json_schema", "json_schema": ["schema": schema]]]), options)
        #expect(withTools.body["tool_choice"] == nil)
        #expect(withTools.body["tools"]?.arrayValue?.count == 2)
    }

    // MARK: - Models

    @Test func renameHookAndSuffix() throws {
        let matcher = ModelRuleMatcher(rules: ModelRuleMatcher.defaultOpenAIRules)
        let options = ChatConversionOptions(renameModel: { matcher.target(for: $0) })
        let mini = try convert(body(model: "gpt-4o-mini"), options)
        #expect(mini.upstreamModel == "claude-haiku-4-5" && mini.requestedModel == "gpt-4o-mini" && !mini.thinking)
        #expect(mini.body["model"] == "claude-haiku-4-5")
        let thinking = try convert(body(model: "gpt-4o-thinking"), options)
        #expect(thinking.upstreamModel == "claude-sonnet-4-5" && thinking.thinking)
        let o3 = try convert(body(model: "o3-mini"), options)
        #expect(o3.upstreamModel == "claude-sonnet-4-5" && o3.thinking, "a -thinking target turns thinking on")
        let passthrough = try convert(body(model: "claude-opus-4-1"), options)
        #expect(passthrough.upstreamModel == "claude-opus-4-1")
        #expect(passthrough.body(withModel: "other")["model"] == "other")
    }
}
