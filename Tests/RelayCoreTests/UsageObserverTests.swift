import Testing

@testable import RelayCore

@Suite struct UsageObserverTests {
    func observe(_ bytes: [UInt8], format: WireFormat, streaming: Bool = true, cut: Int? = nil) -> ObservedResponse {
        var observer = UsageObserver(format: format, streaming: streaming)
        if let cut {
            observer.consume(bytes[..<cut])
            observer.consume(bytes[cut...])
        } else {
            observer.consume(bytes)
        }
        observer.finish()
        return observer.observed
    }

    /// PROTOCOLS.md G15: message_start usage, then message_delta overwrites output.
    @Test func anthropicStreamUsageAtEverySplit() throws {
        let bytes = try Fixture.bytes("anthropic-stream.sse")
        for cut in 0...bytes.count {
            let observed = observe(bytes, format: .anthropic, cut: cut)
            #expect(observed.usage == TokenUsage(input: 12, output: 87, cacheWrite: 1500, cacheWrite5m: 1500, cacheWrite1h: 0, cacheRead: 20000))
            #expect(observed.sawTerminalEvent)
            #expect(observed.sawContentEvent)
            #expect(observed.servedModel == "claude-sonnet-4-5-20250929")
        }
    }

    /// G15 reverse check: Responses input includes cached and cache-written tokens.
    @Test func responsesStreamUsageAtEverySplit() throws {
        let bytes = try Fixture.bytes("responses-stream.sse")
        for cut in stride(from: 0, through: bytes.count, by: 1) {
            let observed = observe(bytes, format: .openAIResponses, cut: cut)
            #expect(observed.usage == TokenUsage(input: 12, output: 87, cacheWrite: 1500, cacheRead: 20000, reasoning: 40))
            #expect(observed.usage.promptTotal == 21512)
            #expect(observed.sawTerminalEvent)
            #expect(observed.servedModel == "gpt-5.1-codex")
        }
    }

    @Test func lastNonNullValueWins() {
        let stream = """
            event: message_start
            data: {"type":"message_start","message":{"model":"m","usage":{"input_tokens":0,"output_tokens":1}}}

            event: message_delta
            data: {"type":"message_delta","delta":{},"usage":{"input_tokens":900,"output_tokens":5,"cache_read_input_tokens":3}}

            """
        let observed = observe(Array(stream.utf8), format: .anthropic)
        #expect(observed.usage.input == 900)
        #expect(observed.usage.output == 5)
        #expect(observed.usage.cacheRead == 3)
        #expect(observed.usage.cacheWrite == nil, "unknown stays unknown, not 0")
        #expect(!observed.sawTerminalEvent, "no message_stop: partial")
    }

    @Test func inBandErrorsAreSeen() {
        let anthropic = "event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}\n\n"
        #expect(observe(Array(anthropic.utf8), format: .anthropic).inBandError == "overloaded_error")
        let responses =
            "event: response.failed\ndata: {\"type\":\"response.failed\",\"response\":{\"status\":\"failed\",\"error\":{\"code\":\"rate_limit_exceeded\",\"message\":\"x\"},\"usage\":null}}\n\n"
        let observed = observe(Array(responses.utf8), format: .openAIResponses)
        #expect(observed.inBandError == "rate_limit_exceeded")
        #expect(observed.sawTerminalEvent)
    }

    @Test func nonStreamingBodies() {
        let anthropic = #"{"id":"msg","model":"claude-x","usage":{"input_tokens":21,"cache_creation_input_tokens":34,"cache_read_input_tokens":55,"output_tokens":13}}"#
        let observed = observe(Array(anthropic.utf8), format: .anthropic, streaming: false, cut: 10)
        #expect(observed.usage == TokenUsage(input: 21, output: 13, cacheWrite: 34, cacheRead: 55))
        let responses = #"{"id":"r","model":"gpt","usage":{"input_tokens":89,"input_tokens_details":{"cached_tokens":55},"output_tokens":13,"output_tokens_details":{"reasoning_tokens":5},"total_tokens":102}}"#
        #expect(observe(Array(responses.utf8), format: .openAIResponses, streaming: false).usage == TokenUsage(input: 34, output: 13, cacheRead: 55, reasoning: 5))
    }

    @Test func chatUsageChunkAndDone() {
        let stream = """
            data: {"id":"c","model":"m","choices":[{"index":0,"delta":{"content":"x"}}]}

            data: {"id":"c","model":"m","choices":[],"usage":{"prompt_tokens":21512,"completion_tokens":87,"total_tokens":21599,"prompt_tokens_details":{"cached_tokens":20000,"cache_write_tokens":1500}}}

            data: [DONE]

            """
        let observed = observe(Array(stream.utf8), format: .openAIChat)
        #expect(observed.usage == TokenUsage(input: 12, output: 87, cacheWrite: 1500, cacheRead: 20000))
        #expect(observed.sawTerminalEvent)
    }
}
