import Foundation
import Testing

@testable import RelayCore

/// PROTOCOLS.md §6 golden examples G1–G6, G13, G15 plus this converter's own cases, all data-driven
/// from `Fixtures/golden/`.
@Suite struct ChatGoldenTests {
    /// The examples the spec requires must be present, so a renamed folder cannot silently skip them.
    @Test func requiredGoldenCasesExist() {
        #expect(Set(Golden.cases("chat-request")).isSuperset(of: ["g1-system-developer", "g2-parallel-tools", "g3-image-effort-schema", "g3-adaptive-variant"]))
        #expect(Golden.cases("chat-completion").contains("g4-thinking-text-tool"))
        #expect(Set(Golden.cases("chat-stream")).isSuperset(of: ["g5-text-usage", "g6-thinking-tool", "g13d-error-no-done", "g13d-error-with-done"]))
        #expect(Golden.cases("errors").contains("g13a-overloaded"))
        #expect(Golden.cases("usage").contains("g15"))
    }

    // MARK: - G1–G3: Chat request → Anthropic request

    @Test(arguments: Golden.cases("chat-request"))
    func chatRequest(_ name: String) throws {
        let input = try Golden.json("chat-request", name, "request.json")
        if Golden.exists("chat-request", name, "expected-error.json") {
            let expected = try Golden.json("chat-request", name, "expected-error.json")
            do {
                let converted = try ChatToAnthropic.convert(input)
                Issue.record("\(name): expected a WireError, got \(converted.body.serialized())")
            } catch {
                #expect(error.status == expected["status"]?.intValue, "\(name)")
                #expect(error.param == expected["param"]?.stringValue, "\(name)")
                let body = error.openAIBody
                #expect(body["error"]?["type"] == "invalid_request_error")
                #expect(body["error"]?["param"]?.stringValue == error.param)
                #expect(body["error"]?["message"]?.stringValue?.contains(error.param ?? "") == true, "message names the parameter")
            }
            return
        }
        let converted = try ChatToAnthropic.convert(input)
        expectJSONEqual(converted.body, try Golden.json("chat-request", name, "expected.json"), name)
        if Golden.exists("chat-request", name, "expected-dropped.json") {
            let dropped = try Golden.json("chat-request", name, "expected-dropped.json").arrayValue?.compactMap(\.stringValue)
            #expect(converted.dropped == dropped, "\(name)")
        }
        #expect(converted.requestedModel == input["model"]?.stringValue)
        #expect(converted.stream == (input["stream"]?.boolValue ?? false))
    }

    // MARK: - G4: Anthropic message → chat.completion

    @Test(arguments: Golden.cases("chat-completion"))
    func chatCompletion(_ name: String) throws {
        let message = try Golden.json("chat-completion", name, "message.json")
        let spec = try Golden.json("chat-completion", name, "case.json")
        let actual = AnthropicToChat.completion(
            message, requestedModel: spec["requestedModel"]?.stringValue ?? "", id: spec["id"]?.stringValue,
            created: spec["created"]?.intValue ?? 0)
        expectJSONEqual(actual, try Golden.json("chat-completion", name, "expected.json"), name)
    }

    // MARK: - G5, G6, G13(d): Anthropic SSE → Chat SSE, at every split

    struct StreamRun {
        var frames: [String]
        var usage: TokenUsage
        var sawTerminal: Bool
    }

    static func runStream(_ bytes: [UInt8], spec: JSONValue, chunks: [Range<Int>]) -> StreamRun {
        var stream = AnthropicToChatStream(
            requestedModel: spec["requestedModel"]?.stringValue ?? "", includeUsage: spec["includeUsage"]?.boolValue ?? false,
            id: spec["id"]?.stringValue, created: spec["created"]?.intValue ?? 0)
        stream.sendDoneAfterError = spec["sendDoneAfterError"]?.boolValue ?? false
        var parser = SSEParser()
        var frames: [String] = []
        for range in chunks {
            for event in parser.feed(bytes[range]) { frames += stream.consume(event) }
        }
        for event in parser.finish() { frames += stream.consume(event) }
        frames += stream.finish()
        return StreamRun(frames: frames, usage: stream.usage, sawTerminal: stream.sawTerminal)
    }

    @Test(arguments: Golden.cases("chat-stream"))
    func chatStream(_ name: String) throws {
        let bytes = try Golden.bytes("chat-stream", name, "upstream.sse")
        let spec = try Golden.json("chat-stream", name, "case.json")
        let expectedText = String(decoding: try Golden.bytes("chat-stream", name, "expected.sse"), as: UTF8.self)
        let expected = ChatFrame.from(sse: expectedText)

        let whole = Self.runStream(bytes, spec: spec, chunks: [0..<bytes.count])
        let actual = ChatFrame.from(sse: whole.frames.joined())
        #expect(actual == expected, "\(name)\nactual:\n\(actual.map(\.description).joined(separator: "\n"))\nexpected:\n\(expected.map(\.description).joined(separator: "\n"))")
        #expect(whole.usage == TokenUsage(fixture: spec["usage"] ?? [:]), "\(name) usage")
        #expect(whole.sawTerminal == spec["sawTerminal"]?.boolValue, "\(name) terminal")

        // Strict framing: every frame is exactly one `data: <one line>\n\n`.
        for frame in whole.frames {
            #expect(frame.hasPrefix("data: ") && frame.hasSuffix("\n\n"), "\(name): \(frame)")
            #expect(frame.dropLast(2).allSatisfy { $0 != "\n" && $0 != "\r" }, "\(name): one line per frame")
        }
        // [DONE] only after a terminal event; nothing after [DONE].
        let doneCount = whole.frames.filter { $0 == "data: [DONE]\n\n" }.count
        #expect(doneCount == ((whole.sawTerminal || spec["sendDoneAfterError"]?.boolValue == true) ? 1 : 0), "\(name) [DONE]")
        if doneCount == 1 { #expect(whole.frames.last == "data: [DONE]\n\n") }

        // Re-fed split at every byte boundary: identical frames, byte for byte.
        for cut in 0...bytes.count {
            let split = Self.runStream(bytes, spec: spec, chunks: [0..<cut, cut..<bytes.count])
            #expect(split.frames == whole.frames, "\(name) split at \(cut)")
            #expect(split.usage == whole.usage)
        }
        let byteAtATime = Self.runStream(bytes, spec: spec, chunks: (0..<bytes.count).map { $0..<($0 + 1) })
        #expect(byteAtATime.frames == whole.frames, "\(name) byte at a time")
    }

    // MARK: - G13(a): pre-stream errors

    @Test(arguments: Golden.cases("errors"))
    func errorTranslation(_ name: String) throws {
        let input = try Golden.json("errors", name, "input.json")
        let expected = try Golden.json("errors", name, "expected.json")
        let status = input["status"]?.intValue ?? 0
        let body = input["body"].flatMap { $0.isNull ? nil : $0 }
        let translated = ErrorTranslation.translate(status: status, body: body)
        #expect(translated.status == expected["status"]?.intValue, "\(name) status")
        expectJSONEqual(translated.body, expected["body"] ?? .null, name)
        expectJSONEqual(ErrorTranslation.anthropicToOpenAI(status: status, body: body), expected["body"] ?? .null, name)
        #expect(!translated.body.serialized().contains("req_"), "no upstream request id leaks")
    }

    // MARK: - G15: usage normalisation

    @Test func g15UsageNormalisation() throws {
        let usage = TokenUsage(anthropic: try Golden.json("usage", "g15", "anthropic-usage.json"))
        let ledger = try Golden.json("usage", "g15", "expected-ledger.json")
        #expect(usage.promptTotal == ledger["prompt_total"]?.intValue)
        #expect(usage.input == ledger["prompt_uncached"]?.intValue)
        #expect(usage.cacheRead == ledger["cache_read"]?.intValue)
        #expect(usage.cacheWrite == ledger["cache_write"]?.intValue)
        #expect(usage.cacheWrite5m == ledger["cache_write_5m"]?.intValue)
        #expect(usage.cacheWrite1h == ledger["cache_write_1h"]?.intValue)
        #expect(usage.output == ledger["output_total"]?.intValue)
        #expect(usage.reasoning == ledger["reasoning"]?.intValue)
        expectJSONEqual(OpenAIChat.usage(usage), try Golden.json("usage", "g15", "expected-chat.json"), "G15 chat usage")
        // The same numbers through a whole completion and a whole stream.
        let message: JSONValue = [
            "id": "msg_g15", "type": "message", "role": "assistant", "model": "claude-sonnet-4-5",
            "content": [["type": "text", "text": "ok"]], "stop_reason": "end_turn",
            "usage": try Golden.json("usage", "g15", "anthropic-usage.json"),
        ]
        let completion = AnthropicToChat.completion(message, requestedModel: "m", id: nil, created: 1)
        expectJSONEqual(completion["usage"] ?? .null, try Golden.json("usage", "g15", "expected-chat.json"), "G15 via completion")
        // Chat usage read back by the ledger gives the same normalised numbers (round trip).
        let back = TokenUsage(chat: OpenAIChat.usage(usage))
        #expect(back.input == 12 && back.cacheRead == 20000 && back.cacheWrite == 1500 && back.output == 87 && back.reasoning == 40)
    }
}
