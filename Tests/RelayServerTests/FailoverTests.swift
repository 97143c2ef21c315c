import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import RelayConfig
import RelayCore
import RelayTestSupport
import Testing

/// Fault scenarios through real sockets: one upstream of several misbehaves, the client never notices.
@Suite(.serialized) struct FailoverTests {
    /// Three fakes a, b, c in one claude pool; `setup` lets the test make some of them fail.
    func withThree<R: Sendable>(
        edit: @escaping @Sendable (inout ConfigFile) -> Void = { _ in }, dataDirectory: URL? = nil,
        _ body: @Sendable (RelayHarness, FakeUpstream, FakeUpstream, FakeUpstream) async throws -> R
    ) async throws -> R {
        try await FakeUpstream.withRunning { a in
            try await FakeUpstream.withRunning { b in
                try await FakeUpstream.withRunning { c in
                    var file = RelayHarness.config(fake: a)
                    file.pools.claude = [
                        UpstreamEntry(name: "a", baseURL: a.baseURL, key: "sk-ant-a-CANARY-000000"),
                        UpstreamEntry(name: "b", baseURL: b.baseURL, key: "sk-ant-b-CANARY-000000"),
                        UpstreamEntry(name: "c", baseURL: c.baseURL, key: "sk-ant-c-CANARY-000000"),
                    ]
                    file.pools.codex = [
                        UpstreamEntry(name: "ra", baseURL: a.baseURL + "/v1", key: "sk-ra-CANARY-000000"),
                        UpstreamEntry(name: "rb", baseURL: b.baseURL + "/v1", key: "sk-rb-CANARY-000000"),
                    ]
                    edit(&file)
                    let final = file
                    return try await RelayHarness.run(final, dataDirectory: dataDirectory) { relay in try await body(relay, a, b, c) }
                }
            }
        }
    }

    func upstreamState(_ status: JSONValue, _ name: String, pool: String = "claude") -> JSONValue? {
        status["pools"]?[pool]?["upstreams"]?.arrayValue?.first { $0["name"]?.stringValue == name }
    }

    @Test func oneRefusingUpstreamNeverReachesTheClient() async throws {
        try await withThree(edit: { $0.pools.claude[0].baseURL = "http://127.0.0.1:9" }) { relay, _, b, _ in
            for index in 0..<10 {
                let answer = try await relay.post("/v1/messages", json: messagesBody(stream: index % 2 == 0))
                #expect(answer.status == 200, "request \(index)")
            }
            #expect(b.requests().count == 10)
            let status = try await relay.status()
            #expect(upstreamState(status, "a")?["state"]?.stringValue == "cooling", "3 consecutive refusals cool it")
            #expect(upstreamState(status, "a")?["last_error"]?.stringValue == "connect_error")
        }
    }

    @Test func oneUpstreamAnswering500() async throws {
        try await withThree { relay, a, b, _ in
            a.setDefaultControls(["x-fake-status": "500"])
            for _ in 0..<6 {
                let status1 = try await relay.post("/v1/messages", json: messagesBody(stream: true)).status
                #expect(status1 == 200)
            }
            #expect(a.requests().count == 3, "after the threshold the failing key rests")
            #expect(b.requests().count == 6)
        }
    }

    @Test func oneUpstreamHangingBeforeHeaders() async throws {
        try await withThree(edit: { $0.timeouts.firstByte = 1 }) { relay, a, b, _ in
            a.setDefaultControls(["x-fake-hang": "1"])
            for _ in 0..<4 {
                let status2 = try await relay.post("/v1/messages", json: messagesBody(stream: true)).status
                #expect(status2 == 200)
            }
            #expect(b.requests().count == 4)
            #expect(await eventually { a.stats().cancelled == 3 }, "timed-out attempts are cancelled upstream")
        }
    }

    @Test func inBandErrorBeforeContentGivesOneCleanStreamFromTheNextUpstream() async throws {
        try await withThree { relay, a, _, _ in
            a.setDefaultControls(["x-fake-early-error": "1"])
            let anthropic = try await relay.post("/v1/messages", json: messagesBody(stream: true))
            #expect(anthropic.status == 200)
            #expect(!anthropic.body.contains("overloaded_error"))
            #expect(anthropic.body.components(separatedBy: "event: message_start").count == 2, "exactly one message_start")
            #expect(anthropic.body.hasSuffix("data: {\"type\":\"message_stop\"}\n\n"))
            let responses = try await relay.post("/openai/responses", json: responsesBody(stream: true), headers: [("authorization", "Bearer \(RelayHarness.clientKey)")])
            #expect(!responses.body.contains("response.failed"))
            #expect(responses.body.components(separatedBy: "event: response.created").count == 2)
            #expect(responses.body.contains("event: response.completed"))
        }
    }

    @Test func rateLimitCoolsExactlyThatKeyForRetryAfter() async throws {
        try await withThree { relay, a, b, c in
            a.setDefaultControls(["x-fake-status": "429", "x-fake-retry-after": "30"])
            let status3 = try await relay.post("/v1/messages", json: messagesBody(stream: false)).status
            #expect(status3 == 200)
            let status4 = try await relay.post("/v1/messages", json: messagesBody(stream: false)).status
            #expect(status4 == 200)
            #expect(a.requests().count == 1, "a rests after its 429")
            #expect(b.requests().count == 2)
            #expect(c.requests().isEmpty)
            let state = upstreamState(try await relay.status(), "a")
            #expect(state?["state"]?.stringValue == "cooling")
            #expect(state?["cooldown_reason"]?.stringValue == "status_429")
            let statusB = try await relay.status()
            #expect(upstreamState(statusB, "b")?["state"]?.stringValue == "healthy")
        }
    }

    @Test func unauthorizedKeyIsDisabledPersistentlyAndResetWorks() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sy-health-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        try await withThree(dataDirectory: directory) { relay, a, b, _ in
            a.setDefaultControls(["x-fake-status": "401"])
            let status5 = try await relay.post("/v1/messages", json: messagesBody(stream: false)).status
            #expect(status5 == 200)
            let status6 = try await relay.post("/v1/messages", json: messagesBody(stream: false)).status
            #expect(status6 == 200)
            #expect(a.requests().count == 1)
            let state = upstreamState(try await relay.status(), "a")
            #expect(state?["state"]?.stringValue == "disabled")
            #expect(state?["disabled_reason"]?.stringValue == "rejected the key (401)")
            let saved = try String(contentsOf: directory.appendingPathComponent("health.json"), encoding: .utf8)
            #expect(saved.contains("rejected the key (401)"))
            #expect(!saved.contains("CANARY"), "health state names upstreams by id, never by key")
            a.setDefaultControls([:])
            let reset = try await relay.post("/api/reset-api-cooldown", json: #"{"index":0}"#, headers: RelayHarness.admin)
            #expect(reset.status == 200)
            let statusA = try await relay.status()
            #expect(upstreamState(statusA, "a")?["state"]?.stringValue == "healthy")
            _ = try await relay.post("/v1/messages", json: messagesBody(stream: false))
            #expect(a.requests().count == 2, "back in service")
            _ = b
        }
    }

    @Test func badRequestIsNeverFailedOver() async throws {
        try await withThree { relay, a, b, _ in
            a.setDefaultControls(["x-fake-status": "400"])
            let answer = try await relay.post("/v1/messages", json: messagesBody(stream: false))
            #expect(answer.status == 400)
            #expect(try JSONValue.parse(answer.body)["error"]?["message"]?.stringValue == "fake")
            #expect(b.requests().isEmpty)
        }
    }

    @Test func everythingDownGivesOneFastErrorWithRetryAfter() async throws {
        try await withThree { relay, a, b, c in
            for fake in [a, b, c] { fake.setDefaultControls(["x-fake-status": "429", "x-fake-retry-after": "7"]) }
            let answer = try await relay.post("/v1/messages", json: messagesBody(stream: true))
            #expect(answer.status == 429)
            #expect(answer.headers.first(name: "retry-after") == "7")
            let body = try JSONValue.parse(answer.body)
            #expect(body["type"]?.stringValue == "error")
            #expect(body["request_id"]?.stringValue?.hasPrefix("sy_") == true)
            #expect(!answer.body.contains("CANARY") && !answer.body.contains("127.0.0.1"))
            // Now every key is cooling: the next request fails at once, without touching upstreams.
            let before = a.requests().count + b.requests().count + c.requests().count
            let again = try await relay.post("/v1/messages", json: messagesBody(stream: true))
            #expect(again.status == 429)
            #expect(a.requests().count + b.requests().count + c.requests().count == before + 1, "only the least recently failed is tried")
        }
    }

    @Test func hotConfigEditKeepsCooldowns() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sy-reload-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        try await withThree(dataDirectory: directory) { relay, a, b, c in
            a.setDefaultControls(["x-fake-status": "429", "x-fake-retry-after": "60"])
            let status7 = try await relay.post("/v1/messages", json: messagesBody(stream: false)).status
            #expect(status7 == 200)
            // Edit the file by hand: rename c and add a timeout. a and b are unchanged.
            let store = ConfigStore(dataDirectory: directory)
            var file = try JSONDecoder().decode(ConfigFile.self, from: Data(contentsOf: store.configURL))
            file.pools.claude[2].name = "c-renamed"
            file.timeouts.idle = 123
            try store.save(file)
            #expect(await eventually(within: 5) { (try? await relay.status()).flatMap { upstreamState($0, "c-renamed") } != nil })
            let afterReload = try await relay.status()
            #expect(upstreamState(afterReload, "a")?["state"]?.stringValue == "cooling", "the cooldown survived the reload")
            let status8 = try await relay.post("/v1/messages", json: messagesBody(stream: false)).status
            #expect(status8 == 200)
            #expect(a.requests().count == 1)
            _ = (b, c)
        }
    }

    @Test func nothingInScheduleGives503WithRetryAfter() async throws {
        try await withThree(edit: { file in
            file.timeZone = "UTC"
            for index in file.pools.claude.indices { file.pools.claude[index].weekdays = Array(repeating: false, count: 7) }
            file.pools.claude[0].weekdays = Array(repeating: true, count: 7)
            file.pools.claude[0].enabled = false
            file.pools.claude[1].weekdays = Array(repeating: true, count: 7)
            file.pools.claude[1].hours = [Self.windowStartingInTwoHours()]
        }) { relay, _, _, _ in
            let answer = try await relay.post("/v1/messages", json: messagesBody(stream: false))
            #expect(answer.status == 503)
            let wait = try #require(answer.headers.first(name: "retry-after").flatMap(Int.init))
            #expect(wait > 3600 && wait <= 7200)
            #expect(answer.body.contains("outside its hours"))
        }
    }

    static func windowStartingInTwoHours() -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? .current
        let hour = (calendar.component(.hour, from: Date()) + 2) % 24
        let end = (hour + 1) % 24
        func pad(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(pad(hour)):00-\(pad(end)):00"
    }
}
