import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import RelayConfig
import RelayCore
import RelayTestSupport
import Testing

@Suite(.serialized) struct AuthAndHeaderTests {
    @Test func missingAndWrongKeysGet401InTheEndpointsDialect() async throws {
        try await FakeUpstream.withRunning { fake in
            try await RelayHarness.run(RelayHarness.config(fake: fake)) { relay in
                let missing = try await relay.post("/api/v1/messages", json: messagesBody(stream: false), headers: [])
                #expect(missing.status == 401)
                let anthropic = try JSONValue.parse(missing.body)
                #expect(anthropic["type"]?.stringValue == "error")
                #expect(anthropic["error"]?["type"]?.stringValue == "authentication_error")

                let wrongKey = "sy-wrong-key-SHOULD-NOT-ECHO"
                let wrong = try await relay.post("/openai/responses", json: responsesBody(stream: false), headers: [("authorization", "Bearer \(wrongKey)")])
                #expect(wrong.status == 401)
                let openAI = try JSONValue.parse(wrong.body)
                #expect(openAI["error"]?["code"]?.stringValue == "invalid_api_key")
                #expect(!wrong.body.contains(wrongKey))
                #expect(fake.requests().isEmpty, "nothing reached the upstream")
            }
        }
    }

    @Test func bothClientCredentialStylesWorkAndNeverReachTheUpstream() async throws {
        try await FakeUpstream.withRunning { fake in
            try await RelayHarness.run(RelayHarness.config(fake: fake)) { relay in
                let status1 = try await relay.post("/v1/messages", json: messagesBody(stream: false), headers: [("x-api-key", RelayHarness.clientKey)]).status
                #expect(status1 == 200)
                let status2 = try await relay.post("/v1/messages", json: messagesBody(stream: false), headers: [("authorization", "Bearer \(RelayHarness.clientKey)")]).status
                #expect(status2 == 200)
                let status3 = try await relay.post("/openai/responses", json: responsesBody(stream: false), headers: [("authorization", "Bearer \(RelayHarness.clientKey)")]).status
                #expect(status3 == 200)
                let recorded = fake.requests()
                #expect(recorded.count == 3)
                for request in recorded {
                    let all = request.headers.map { $0.joined(separator: ": ") }.joined(separator: "\n")
                    #expect(!all.contains(RelayHarness.clientKey), "client key leaked upstream: \(all)")
                }
                // Anthropic upstreams get x-api-key by default; Responses upstreams get Bearer.
                #expect(recorded[0].header("x-api-key") == RelayHarness.anthropicKey)
                #expect(recorded[0].header("authorization") == nil)
                #expect(recorded[1].header("x-api-key") == RelayHarness.anthropicKey)
                #expect(recorded[2].header("authorization") == "Bearer \(RelayHarness.responsesKey)")
            }
        }
    }

    @Test func configuredBearerStyleForAnthropicUpstreams() async throws {
        try await FakeUpstream.withRunning { fake in
            let file = RelayHarness.config(fake: fake) { $0.pools.claude[0].auth = .bearer }
            try await RelayHarness.run(file) { relay in
                _ = try await relay.post("/v1/messages", json: messagesBody(stream: false))
                let recorded = try #require(fake.requests().first)
                #expect(recorded.header("authorization") == "Bearer \(RelayHarness.anthropicKey)")
                #expect(recorded.header("x-api-key") == nil)
            }
        }
    }

    @Test func clientHeadersPassHopByHopDoNot() async throws {
        try await FakeUpstream.withRunning { fake in
            try await RelayHarness.run(RelayHarness.config(fake: fake)) { relay in
                let headers = [
                    ("authorization", "Bearer \(RelayHarness.clientKey)"),
                    ("session_id", "sess-underscore"), ("session-id", "sess-hyphen"), ("x-codex-turn-state", "ts-1"),
                    ("originator", "codex_exec"), ("x-client-request-id", "thread-9"), ("anthropic-beta", "a-1,b-2"),
                    ("connection", "x-secret-hop"), ("x-secret-hop", "must-not-pass"), ("keep-alive", "timeout=5"),
                    ("cookie", "c=1"), ("accept-encoding", "gzip, br"),
                ]
                _ = try await relay.post("/openai/responses", json: responsesBody(stream: true), headers: headers)
                let recorded = try #require(fake.requests().first)
                #expect(recorded.header("session_id") == "sess-underscore")
                #expect(recorded.headerNames.contains("session_id"))
                #expect(recorded.header("session-id") == "sess-hyphen")
                #expect(recorded.header("x-codex-turn-state") == "ts-1")
                #expect(recorded.header("originator") == "codex_exec")
                #expect(recorded.header("x-client-request-id") == "thread-9")
                #expect(recorded.header("anthropic-beta") == "a-1,b-2")
                #expect(recorded.header("x-secret-hop") == nil)
                #expect(recorded.header("keep-alive") == nil)
                #expect(recorded.header("cookie") == nil)
                #expect(recorded.header("accept-encoding") == "identity")
            }
        }
    }

    @Test func oversizedBodiesGet413InDialect() async throws {
        try await FakeUpstream.withRunning { fake in
            let file = RelayHarness.config(fake: fake) { $0.server.maxBodyBytes = 4096 }
            try await RelayHarness.run(file) { relay in
                let big = #"{"model":"m","input":""# + String(repeating: "y", count: 10_000) + #""}"#
                let anthropic = try await relay.post("/v1/messages", json: big)
                #expect(anthropic.status == 413)
                #expect(try JSONValue.parse(anthropic.body)["error"]?["type"]?.stringValue == "request_too_large")
                let openAI = try await relay.post("/openai/responses", json: big, headers: [("authorization", "Bearer \(RelayHarness.clientKey)")])
                #expect(openAI.status == 413)
                #expect(try JSONValue.parse(openAI.body)["error"]?["code"]?.stringValue == "request_too_large")
                #expect(fake.requests().isEmpty)
            }
        }
    }

    @Test func unknownPathsAndMethodsAndEmptyPools() async throws {
        try await FakeUpstream.withRunning { fake in
            let file = RelayHarness.config(fake: fake) { $0.pools.codex = [] }
            try await RelayHarness.run(file) { relay in
                let status4 = try await relay.get("/v1/not-a-thing").status
                #expect(status4 == 404)
                let status5 = try await relay.get("/api/v1/messages").status
                #expect(status5 == 405)
                let empty = try await relay.post("/openai/responses", json: responsesBody(stream: false), headers: [("authorization", "Bearer \(RelayHarness.clientKey)")])
                #expect(empty.status == 503)
                #expect(try JSONValue.parse(empty.body)["error"]?["code"]?.stringValue == "no_upstream_available")
            }
        }
    }
}
