import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import RelayConfig
import RelayCore
import RelayRouting
import RelayTestSupport
import Testing

@Suite(.serialized) struct SelectionAndCancellationTests {
    @Test func upstreamNotScheduledTodayIsSkipped() async throws {
        try await FakeUpstream.withRunning { offDay in
            try await FakeUpstream.withRunning { onDay in
                let zone = try #require(TimeZone(identifier: "UTC"))
                let today = UpstreamSelector.mondayFirstWeekday(of: Date(), in: zone)
                var notToday = Array(repeating: true, count: 7)
                notToday[today] = false
                var file = RelayHarness.config(fake: onDay)
                file.timeZone = "UTC"
                file.pools.claude = [
                    UpstreamEntry(name: "off-today", baseURL: offDay.baseURL, key: "sk-off-0000000000", weekdays: notToday),
                    UpstreamEntry(name: "disabled", baseURL: offDay.baseURL, key: "sk-dis-0000000000", enabled: false),
                    UpstreamEntry(name: "on-today", baseURL: onDay.baseURL, key: "sk-on-00000000000"),
                ]
                try await RelayHarness.run(file) { relay in
                    let status1 = try await relay.post("/v1/messages", json: messagesBody(stream: false)).status
                    #expect(status1 == 200)
                    #expect(offDay.requests().isEmpty)
                    #expect(onDay.requests().count == 1)
                }
            }
        }
    }

    @Test func clientHangingUpBeforeTheFirstByteCancelsTheUpstream() async throws {
        try await FakeUpstream.withRunning { fake in
            try await RelayHarness.run(RelayHarness.config(fake: fake)) { relay in
                await #expect(throws: (any Error).self) {
                    _ = try await relay.post(
                        "/v1/messages", json: messagesBody(stream: true),
                        headers: [("x-api-key", RelayHarness.clientKey), ("x-fake-hang", "1")], timeout: .milliseconds(400))
                }
                #expect(await eventually { fake.stats().cancelled == 1 }, "upstream request not cancelled: \(fake.stats())")
            }
        }
    }

    @Test func clientHangingUpMidStreamCancelsTheUpstream() async throws {
        try await FakeUpstream.withRunning { fake in
            try await RelayHarness.run(RelayHarness.config(fake: fake)) { relay in
                var request = HTTPClientRequest(url: relay.base + "/v1/messages")
                request.method = .POST
                request.headers.add(name: "x-api-key", value: RelayHarness.clientKey)
                request.headers.add(name: "x-fake-events", value: "100")
                request.headers.add(name: "x-fake-interval-ms", value: "100")
                request.body = .bytes(ByteBuffer(string: messagesBody(stream: true)))
                let task = Task {
                    let response = try await relay.client.execute(request, timeout: .seconds(30))
                    var seen = 0
                    for try await chunk in response.body {
                        seen += chunk.readableBytes
                        if String(buffer: chunk).contains("content_block_delta") { return seen }
                    }
                    return seen
                }
                _ = try await task.value
                // Leaving the loop dropped the response body: the relay's next write fails.
                #expect(await eventually(within: 5) { fake.stats().cancelled == 1 }, "upstream not cancelled: \(fake.stats())")
                #expect(fake.stats().completed == 0)
            }
        }
    }
}
