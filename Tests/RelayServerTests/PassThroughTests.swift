import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import RelayConfig
import RelayCore
import RelayTestSupport
import Testing

@Suite(.serialized) struct PassThroughTests {
    /// Message and response ids carry a per-request counter in the fake; everything else must match.
    func normalised(_ text: String) -> String {
        text.replacingOccurrences(of: #"(msg|resp|req|call|fc|rs)_fake_\d+"#, with: "$1_fake_N", options: .regularExpression)
    }

    @Test func anthropicStreamIsRelayedByteForByte() async throws {
        try await FakeUpstream.withRunning { fake in
            try await RelayHarness.run(RelayHarness.config(fake: fake)) { relay in
                let headers = [("x-api-key", RelayHarness.clientKey), ("x-fake-events", "5")]
                let viaRelay = try await relay.post("/api/v1/messages?beta=true", json: messagesBody(stream: true), headers: headers)
                #expect(viaRelay.status == 200)
                #expect(viaRelay.headers.first(name: "content-type")?.hasPrefix("text/event-stream") == true)
                var direct = HTTPClientRequest(url: fake.baseURL + "/v1/messages?beta=true")
                direct.method = .POST
                direct.headers.add(name: "x-fake-events", value: "5")
                direct.body = .bytes(ByteBuffer(string: messagesBody(stream: true)))
                let directResponse = try await relay.client.execute(direct, timeout: .seconds(10))
                let directBody = String(buffer: try await directResponse.body.collect(upTo: 1 << 20))
                #expect(normalised(viaRelay.body) == normalised(directBody))
                #expect(viaRelay.body.hasSuffix("event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n"))

                let recorded = try #require(fake.requests().first)
                #expect(recorded.path == "/v1/messages")
                #expect(recorded.query == "beta=true")
            }
        }
    }

    @Test("Request ids: sy_ + 12 hex of Unix ms + 12 random hex, ordered by time, unique")
    func requestIDsSortByTime() async throws {
        try await FakeUpstream.withRunning { fake in
            try await RelayHarness.run(RelayHarness.config(fake: fake)) { relay in
                var ids: [String] = []
                for _ in 0..<20 {
                    let answer = try await relay.post("/v1/messages", json: messagesBody(stream: false))
                    #expect(answer.status == 200)
                    ids.append(try #require(answer.headers.first(name: "x-switchyard-request-id")))
                }
                for id in ids {
                    #expect(id.wholeMatch(of: /sy_[0-9a-f]{24}/) != nil, "\(id)")
                }
                #expect(Set(ids).count == ids.count)
                // Sequential requests: the time part never goes backwards (ids sort by time).
                let times = ids.map { String($0.dropFirst(3).prefix(12)) }
                #expect(times == times.sorted())
                let millis = try #require(UInt64(times[0], radix: 16))
                let now = UInt64(Date().timeIntervalSince1970 * 1000)
                #expect(millis <= now && now - millis < 60_000, "the time part is Unix milliseconds")
            }
        }
    }

    @Test func nonStreamingMessagesKeepStatusAndBody() async throws {
        try await FakeUpstream.withRunning { fake in
            try await RelayHarness.run(RelayHarness.config(fake: fake)) { relay in
                let answer = try await relay.post("/v1/messages", json: messagesBody(stream: false))
                #expect(answer.status == 200)
                let json = try JSONValue.parse(answer.body)
                #expect(json["usage"]?["input_tokens"]?.intValue == 21)
                #expect(json["usage"]?["cache_read_input_tokens"]?.intValue == 55)
                #expect(answer.headers.first(name: "content-length") == String(answer.body.utf8.count))
            }
        }
    }

    @Test func anyPrefixEndingInV1MessagesAndCountTokensAndModels() async throws {
        try await FakeUpstream.withRunning { fake in
            try await RelayHarness.run(RelayHarness.config(fake: fake)) { relay in
                let status1 = try await relay.post("/x/y/v1/messages", json: messagesBody(stream: false)).status
                #expect(status1 == 200)
                let count = try await relay.post("/api/v1/messages/count_tokens?beta=true", json: #"{"model":"m","messages":[]}"#)
                #expect(try JSONValue.parse(count.body)["input_tokens"]?.intValue == 42)
                let models = try await relay.get("/api/v1/models")
                #expect(models.status == 200)
                #expect(models.body.contains("claude-fake-1"))
                let paths = fake.requests().map { $0.path + ($0.query.map { "?" + $0 } ?? "") }
                #expect(paths == ["/v1/messages", "/v1/messages/count_tokens?beta=true", "/v1/models"])
            }
        }
    }

    @Test func responsesRoutesStreamAndNot() async throws {
        try await FakeUpstream.withRunning { fake in
            try await RelayHarness.run(RelayHarness.config(fake: fake)) { relay in
                let auth = [("authorization", "Bearer \(RelayHarness.clientKey)")]
                for path in ["/openai/responses", "/openai/v1/responses", "/v1/responses"] {
                    let streamed = try await relay.post(path, json: responsesBody(stream: true), headers: auth)
                    #expect(streamed.status == 200, "\(path)")
                    #expect(streamed.body.contains("event: response.completed"))
                }
                let plain = try await relay.post("/openai/responses", json: responsesBody(stream: false), headers: auth)
                #expect(try JSONValue.parse(plain.body)["usage"]?["total_tokens"]?.intValue == 102)
                #expect(fake.requests().allSatisfy { $0.path == "/v1/responses" })
            }
        }
    }

    @Test func largeBodyArrivesIntact() async throws {
        try await FakeUpstream.withRunning { fake in
            try await RelayHarness.run(RelayHarness.config(fake: fake)) { relay in
                let filler = String(repeating: "x", count: 3 << 20)
                let json = #"{"model":"m","max_tokens":1,"messages":[{"role":"user","content":"\#(filler)"}]}"#
                let answer = try await relay.post("/v1/messages", json: json, headers: [("x-api-key", RelayHarness.clientKey), ("x-fake-echo", "1")])
                #expect(answer.status == 200)
                #expect(answer.body.contains("len=\(json.utf8.count)"))
                #expect(fake.requests().first?.body.count == json.utf8.count)
            }
        }
    }

    @Test func upstreamErrorsPassThroughWithStatusAndRetryAfter() async throws {
        try await FakeUpstream.withRunning { fake in
            try await RelayHarness.run(RelayHarness.config(fake: fake)) { relay in
                let answer = try await relay.post(
                    "/v1/messages", json: messagesBody(stream: true),
                    headers: [("x-api-key", RelayHarness.clientKey), ("x-fake-status", "429"), ("x-fake-retry-after", "7")])
                #expect(answer.status == 429)
                #expect(answer.headers.first(name: "retry-after") == "7")
                #expect(try JSONValue.parse(answer.body)["error"]?["type"]?.stringValue == "rate_limit_error")
            }
        }
    }

    @Test func upstreamBreakingMidStreamEndsWithAnErrorEventAndNoTerminalEvent() async throws {
        try await FakeUpstream.withRunning { fake in
            try await RelayHarness.run(RelayHarness.config(fake: fake)) { relay in
                var request = HTTPClientRequest(url: relay.base + "/v1/messages")
                request.method = .POST
                request.headers.add(name: "x-api-key", value: RelayHarness.clientKey)
                request.headers.add(name: "x-fake-events", value: "100")
                request.headers.add(name: "x-fake-interval-ms", value: "50")
                request.body = .bytes(ByteBuffer(string: messagesBody(stream: true)))
                let response = try await relay.client.execute(request, timeout: .seconds(10))
                var text = ""
                var killed = false
                for try await chunk in response.body {
                    text += String(buffer: chunk)
                    if !killed, text.contains("content_block_delta") {
                        killed = true
                        await fake.shutdown()
                    }
                }
                #expect(text.contains("event: error"))
                #expect(text.contains("\"api_error\""))
                #expect(!text.contains("message_stop"))
            }
        }
    }
}
