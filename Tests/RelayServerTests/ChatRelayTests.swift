import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import RelayConfig
import RelayCore
import RelayTestSupport
import Testing

/// Chat Completions through the relay and FakeUpstreams over real sockets: what the upstream is
/// asked for, what the client gets back, and failover for non-streaming chat clients.
@Suite(.serialized) struct ChatRelayTests {
    static func chatBody(stream: Bool) -> String {
        #"{"model":"gpt-4o","max_tokens":64,"stream":\#(stream),"messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"hi"}]}"#
    }

    static let bearer = [("authorization", "Bearer \(RelayHarness.clientKey)")]

    /// `fakes` become the openai pool, in order.
    func withChatPool<R: Sendable>(
        _ fakes: [FakeUpstream], _ body: @Sendable (RelayHarness) async throws -> R
    ) async throws -> R {
        guard let first = fakes.first else { throw CancellationError() }
        var file = RelayHarness.config(fake: first)
        file.pools.openai = fakes.enumerated().map { index, fake in
            UpstreamEntry(name: "chat-\(index)", baseURL: fake.baseURL, key: "sk-ant-chat-\(index)-CANARY-000000")
        }
        return try await RelayHarness.run(file, body)
    }

    @Test func nonStreamingClientIsServedFromAnUpstreamStreamWithExactUsage() async throws {
        try await FakeUpstream.withRunning { fake in
            // input, cache write, cache read, output
            fake.setDefaultControls(["x-fake-usage": "120,30,500,7"])
            try await withChatPool([fake]) { relay in
                let answer = try await relay.post("/v1/chat/completions", json: Self.chatBody(stream: false), headers: Self.bearer)
                #expect(answer.status == 200)
                #expect(answer.headers.first(name: "content-type")?.hasPrefix("application/json") == true)
                let json = try JSONValue.parse(answer.body)
                #expect(json["object"] == "chat.completion")
                #expect(json["model"] == "gpt-4o", "the client's model is echoed")
                #expect(json["choices"]?.arrayValue?.count == 1)
                let choice = json["choices"]?.arrayValue?.first
                #expect(choice?["message"]?["role"] == "assistant")
                #expect(choice?["message"]?["content"] == "Hello from FakeUpstream.")
                #expect(choice?["finish_reason"] == "stop")
                let usage = json["usage"]
                #expect(usage?["prompt_tokens"]?.intValue == 650, "input + cache write + cache read")
                #expect(usage?["prompt_tokens_details"]?["cached_tokens"]?.intValue == 500)
                #expect(usage?["completion_tokens"]?.intValue == 7)
                #expect(usage?["total_tokens"]?.intValue == 657)

                let recorded = try #require(fake.requests().first)
                #expect(recorded.path == "/v1/messages")
                let sent = try JSONValue.parse(recorded.body)
                #expect(sent["stream"] == true, "the upstream streams even for a non-streaming client (keeps long generations alive)")
                #expect(sent["model"]?.stringValue?.hasPrefix("claude-") == true)
                #expect(sent["system"]?.arrayValue?.first?["text"] == "Be brief.")
            }
        }
    }

    @Test func streamingClientStillStreamsUpstream() async throws {
        try await FakeUpstream.withRunning { fake in
            try await withChatPool([fake]) { relay in
                let answer = try await relay.post("/v1/chat/completions", json: Self.chatBody(stream: true), headers: Self.bearer)
                #expect(answer.status == 200)
                #expect(answer.headers.first(name: "content-type")?.hasPrefix("text/event-stream") == true)
                #expect(answer.body.hasSuffix("data: [DONE]\n\n"))
                let recorded = try #require(fake.requests().first)
                #expect(try JSONValue.parse(recorded.body)["stream"] == true)
            }
        }
    }

    @Test func nonStreamingChatFailsOverOnA500() async throws {
        try await FakeUpstream.withRunning { broken in
            try await FakeUpstream.withRunning { healthy in
                broken.setDefaultControls(["x-fake-status": "500"])
                healthy.setDefaultControls(["x-fake-usage": "10,0,0,3"])
                try await withChatPool([broken, healthy]) { relay in
                    let answer = try await relay.post("/v1/chat/completions", json: Self.chatBody(stream: false), headers: Self.bearer)
                    #expect(answer.status == 200)
                    let json = try JSONValue.parse(answer.body)
                    #expect(json["choices"]?.arrayValue?.first?["message"]?["content"] == "Hello from FakeUpstream.")
                    #expect(json["usage"]?["total_tokens"]?.intValue == 13)
                    #expect(broken.requests().count == 1)
                    #expect(healthy.requests().count == 1)
                    let sent = try JSONValue.parse(try #require(healthy.requests().first).body)
                    #expect(sent["stream"] == true)
                }
            }
        }
    }

    @Test func nonStreamingChatFailsOverOnAnErrorAfterTheFirstContent() async throws {
        try await FakeUpstream.withRunning { failing in
            try await FakeUpstream.withRunning { healthy in
                // The stream starts, sends text, then an error event: a streaming client would have
                // seen the text; a non-streaming one has seen nothing, so the relay tries the next one.
                failing.setDefaultControls(["x-fake-midstream-error": "1"])
                healthy.setDefaultControls(["x-fake-usage": "10,0,0,3"])
                try await withChatPool([failing, healthy]) { relay in
                    let answer = try await relay.post("/v1/chat/completions", json: Self.chatBody(stream: false), headers: Self.bearer)
                    #expect(answer.status == 200)
                    let json = try JSONValue.parse(answer.body)
                    #expect(json["choices"]?.arrayValue?.first?["message"]?["content"] == "Hello from FakeUpstream.")
                    #expect(json["usage"]?["total_tokens"]?.intValue == 13, "only the answer that reached the client is counted")
                    #expect(failing.requests().count == 1)
                    #expect(healthy.requests().count == 1)
                }
            }
        }
    }

    @Test func nonStreamingChatFailsOverWhenTheStreamBreaksOffAfterContent() async throws {
        try await FakeUpstream.withRunning { cut in
            try await FakeUpstream.withRunning { healthy in
                // The fake's stream breaks after its first text delta (no message_stop). The relay
                // has not answered yet, so it tries the next upstream.
                cut.setDefaultControls(["x-fake-cut-body": "1"])
                try await withChatPool([cut, healthy]) { relay in
                    let answer = try await relay.post("/v1/chat/completions", json: Self.chatBody(stream: false), headers: Self.bearer)
                    #expect(answer.status == 200)
                    let json = try JSONValue.parse(answer.body)
                    #expect(json["choices"]?.arrayValue?.first?["message"]?["content"] == "Hello from FakeUpstream.")
                    #expect(cut.requests().count == 1)
                    #expect(healthy.requests().count == 1)
                }
            }
        }
    }
}
