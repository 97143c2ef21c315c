import Testing

@testable import RelayCore

@Suite struct ChatResponseConversionTests {
    static func sse(_ events: [JSONValue]) -> [SSEEvent] {
        events.map { SSEEvent(event: $0["type"]?.stringValue, data: $0.serialized()) }
    }

    static let start: JSONValue = [
        "type": "message_start",
        "message": ["id": "msg_1", "model": "claude-sonnet-4-5", "usage": ["input_tokens": 5, "output_tokens": 1]],
    ]

    func run(_ events: [JSONValue], context: ChatResponseContext) -> [ChatFrame] {
        var stream = AnthropicToChatStream(context: context, id: "chatcmpl-x", created: 7)
        var frames: [String] = []
        for event in Self.sse(events) { frames += stream.consume(event) }
        frames += stream.finish()
        return ChatFrame.from(sse: frames.joined())
    }

    func deltas(_ frames: [ChatFrame]) -> [JSONValue] {
        frames.compactMap { frame in
            if case .json(let value) = frame { return value["choices"]?[0]?["delta"] }
            return nil
        }
    }

    @Test func includeUsageAbsentMeansNoUsageKeyAnywhere() {
        let frames = run(
            [
                Self.start, ["type": "content_block_start", "index": 0, "content_block": ["type": "text", "text": ""]],
                ["type": "content_block_delta", "index": 0, "delta": ["type": "text_delta", "text": "x"]],
                ["type": "message_delta", "delta": ["stop_reason": "end_turn"], "usage": ["output_tokens": 2]], ["type": "message_stop"],
            ], context: ChatResponseContext(requestedModel: "m"))
        #expect(frames.last == .done)
        for frame in frames {
            if case .json(let value) = frame {
                #expect(value["usage"] == nil)
                #expect(value["choices"]?.arrayValue?.isEmpty == false)
            }
        }
    }

    @Test func finishReasonMapping() {
        let cases: [(CanonicalStopReason?, Bool, String)] = [
            (.endTurn, false, "stop"), (.stopSequence, false, "stop"), (.pauseTurn, false, "stop"), (.maxTokens, false, "length"),
            (.contextWindowExceeded, false, "length"), (.toolUse, true, "tool_calls"), (.toolUse, false, "stop"),
            (.refusal, false, "content_filter"), (.other("new"), false, "stop"), (nil, false, "stop"),
        ]
        for (reason, tools, expected) in cases {
            #expect(OpenAIChat.finishReason(reason, hasClientToolCalls: tools) == expected)
        }
    }

    @Test func jsonToolTrickBecomesContentInStreamsAndCompletions() {
        let context = ChatResponseContext(requestedModel: "m", jsonToolName: "json_tool_call")
        let events: [JSONValue] = [
            Self.start,
            ["type": "content_block_start", "index": 0, "content_block": ["type": "tool_use", "id": "t1", "name": "json_tool_call", "input": [:]]],
            ["type": "content_block_delta", "index": 0, "delta": ["type": "input_json_delta", "partial_json": "{\"a\":"]],
            ["type": "content_block_delta", "index": 0, "delta": ["type": "input_json_delta", "partial_json": "1}"]],
            ["type": "content_block_stop", "index": 0],
            ["type": "message_delta", "delta": ["stop_reason": "tool_use"], "usage": ["output_tokens": 4]], ["type": "message_stop"],
        ]
        let d = deltas(run(events, context: context))
        #expect(d.compactMap { $0["content"]?.stringValue }.joined() == "{\"a\":1}")
        #expect(!d.contains { $0["tool_calls"] != nil })

        var accumulator = AnthropicStreamAccumulator()
        for event in Self.sse(events) { accumulator.consume(event) }
        let completion = AnthropicToChat.completion(accumulator.response, context: context, id: nil, created: 1)
        #expect(completion["choices"]?[0]?["message"]?["content"] == "{\"a\":1}")
        #expect(completion["choices"]?[0]?["finish_reason"] == "stop")
        #expect(completion["choices"]?[0]?["message"]?["tool_calls"] == nil)
        #expect(completion["id"] == "chatcmpl-msg_1")
    }

    @Test func customToolCallsAreUnwrapped() {
        let context = ChatResponseContext(requestedModel: "m", customToolNames: ["apply_patch"])
        let events: [JSONValue] = [
            Self.start,
            ["type": "content_block_start", "index": 0, "content_block": ["type": "tool_use", "id": "t1", "name": "apply_patch", "input": [:]]],
            ["type": "content_block_delta", "index": 0, "delta": ["type": "input_json_delta", "partial_json": "{\"input\":\"*** Begin"]],
            ["type": "content_block_delta", "index": 0, "delta": ["type": "input_json_delta", "partial_json": " Patch\"}"]],
            ["type": "content_block_stop", "index": 0],
            ["type": "message_delta", "delta": ["stop_reason": "tool_use"], "usage": ["output_tokens": 4]], ["type": "message_stop"],
        ]
        let d = deltas(run(events, context: context))
        expectJSONEqual(
            d[1]["tool_calls"] ?? .null,
            [["index": 0, "id": "t1", "type": "custom", "custom": ["name": "apply_patch", "input": "*** Begin Patch"]]], "custom stream")

        let message: JSONValue = [
            "id": "msg_1", "content": [["type": "tool_use", "id": "t1", "name": "apply_patch", "input": ["input": "raw"]]],
            "stop_reason": "tool_use", "usage": ["input_tokens": 1, "output_tokens": 1],
        ]
        let completion = AnthropicToChat.completion(message, context: context, id: nil, created: 1)
        expectJSONEqual(
            completion["choices"]?[0]?["message"]?["tool_calls"] ?? .null,
            [["id": "t1", "type": "custom", "custom": ["name": "apply_patch", "input": "raw"]]], "custom completion")
        #expect(completion["choices"]?[0]?["message"]?["content"] == .null)
    }

    @Test func thinkingBlocksOnRequest() {
        let context = ChatResponseContext(requestedModel: "m", emitThinkingBlocks: true)
        let bytes = (try? Golden.bytes("chat-stream", "g6-thinking-tool", "upstream.sse")) ?? []
        var parser = SSEParser()
        var stream = AnthropicToChatStream(context: context, id: nil, created: 1)
        var frames: [String] = []
        for event in parser.feed(bytes) + parser.finish() { frames += stream.consume(event) }
        let d = deltas(ChatFrame.from(sse: frames.joined()))
        #expect(d.contains { $0["thinking_blocks"] == [["signature": "sig-1", "thinking": "Use tool.", "type": "thinking"]] })

        let message = (try? Golden.json("chat-completion", "g4-thinking-text-tool", "message.json")) ?? .null
        let completion = AnthropicToChat.completion(message, context: context, id: nil, created: 1)
        #expect(completion["choices"]?[0]?["message"]?["thinking_blocks"]?[0]?["signature"] == "sig-abc")
        let plain = AnthropicToChat.completion(message, requestedModel: "m", id: nil, created: 1)
        #expect(plain["choices"]?[0]?["message"]?["thinking_blocks"] == nil)
    }

    /// A non-streaming client served from a streaming upstream gets the same answer as from a
    /// non-streaming upstream.
    @Test func accumulatedStreamMatchesTheNonStreamingConversion() throws {
        let bytes = try Golden.bytes("chat-stream", "g6-thinking-tool", "upstream.sse")
        var parser = SSEParser()
        var accumulator = AnthropicStreamAccumulator()
        for event in parser.feed(bytes) + parser.finish() { accumulator.consume(event) }
        #expect(accumulator.sawTerminal && accumulator.error == nil)
        let context = ChatResponseContext(requestedModel: "claude-sonnet-4-5")
        let fromStream = AnthropicToChat.completion(accumulator.response, context: context, id: nil, created: 1_760_000_000)
        let message: JSONValue = [
            "id": "msg_01T", "type": "message", "role": "assistant", "model": "claude-sonnet-4-5",
            "content": [
                ["type": "thinking", "thinking": "Use tool.", "signature": "sig-1"],
                ["type": "tool_use", "id": "toolu_9", "name": "get_weather", "input": ["city": "Paris"]],
            ],
            "stop_reason": "tool_use", "stop_sequence": nil,
            "usage": ["input_tokens": 50, "cache_creation_input_tokens": 0, "cache_read_input_tokens": 1000, "output_tokens": 30],
        ]
        let direct = AnthropicToChat.completion(message, context: context, id: nil, created: 1_760_000_000)
        expectJSONEqual(fromStream, direct, "accumulated vs direct")
        #expect(direct["usage"]?["prompt_tokens"] == 1050)
    }

    @Test func accumulatorKeepsTheInBandError() throws {
        let bytes = try Golden.bytes("chat-stream", "g13d-error-no-done", "upstream.sse")
        var parser = SSEParser()
        var accumulator = AnthropicStreamAccumulator()
        for event in parser.feed(bytes) + parser.finish() { accumulator.consume(event) }
        #expect(accumulator.error == InBandError(type: "overloaded_error", message: "Overloaded"))
        #expect(!accumulator.sawTerminal)
        #expect(accumulator.response.parts == [.text("Hi")])
    }

    @Test func nothingIsEmittedAfterDoneOrError() {
        var stream = AnthropicToChatStream(requestedModel: "m", includeUsage: false, id: nil, created: 1)
        _ = stream.consume(SSEEvent(event: "message_start", data: Self.start.serialized()))
        let error = stream.consume(SSEEvent(event: "error", data: #"{"type":"error","error":{"type":"rate_limit_error","message":"slow down"}}"#))
        #expect(error == [#"data: {"error":{"message":"slow down","type":"rate_limit_error","param":null,"code":"rate_limit_exceeded"}}"# + "\n\n"])
        #expect(stream.isFinished && stream.upstreamErrorType == "rate_limit_error")
        #expect(stream.consume(SSEEvent(event: "message_stop", data: #"{"type":"message_stop"}"#)).isEmpty)
        #expect(stream.finish().isEmpty)
    }

    @Test func eventsWithoutEventLinesAndUnknownEventsAreHandled() {
        var stream = AnthropicToChatStream(requestedModel: "m", includeUsage: false, id: nil, created: 1)
        var frames = stream.consume(SSEEvent(data: Self.start.serialized()))
        frames += stream.consume(SSEEvent(event: "future_event", data: #"{"type":"future_event"}"#))
        frames += stream.consume(SSEEvent(event: "ping", data: "not json"))
        #expect(frames.count == 1)
        #expect(stream.servedModel == "claude-sonnet-4-5")
    }
}
