import AsyncHTTPClient
import Foundation
import Hummingbird
import Logging
import NIOCore
import NIOHTTP1
import RelayConfig
import RelayCore
import RelayServer
import RelayTestSupport

/// A running relay (real sockets, port 0) in front of FakeUpstreams, for one test.
struct RelayHarness {
    static let clientKey = "sy-test-client-key-0123456789"
    static let anthropicKey = "sk-ant-upstream-CANARY-1111111111"
    static let responsesKey = "sk-upstream-CANARY-2222222222"
    static let adminToken = "sy-test-admin-token-0123456789abcdef"

    let port: Int
    let client: HTTPClient
    static let admin = [("authorization", "Bearer \(adminToken)")]
    var base: String { "http://127.0.0.1:\(port)" }

    /// Config with one anthropic upstream (claude pool) and one responses upstream (codex pool) on `fake`.
    static func config(fake: FakeUpstream, edit: (inout ConfigFile) -> Void = { _ in }) -> ConfigFile {
        var file = ConfigFile(
            clients: [ClientEntry(name: "tester", key: clientKey)],
            pools: Pools(
                claude: [UpstreamEntry(name: "fake-anthropic", baseURL: fake.baseURL, key: anthropicKey)],
                codex: [UpstreamEntry(name: "fake-responses", baseURL: fake.baseURL + "/v1", key: responsesKey)]))
        edit(&file)
        return file
    }

    /// Runs the relay; with `dataDirectory`, the config is written there and watched for edits.
    static func run<R: Sendable>(
        _ file: ConfigFile, dataDirectory: URL? = nil, _ body: @Sendable (RelayHarness) async throws -> R
    ) async throws -> R {
        let config = try ConfigValidator.validate(file)
        var logger = Logger(label: "relay-test")
        logger.logLevel = .critical
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        var store: ConfigStore?
        if let dataDirectory {
            let created = ConfigStore(dataDirectory: dataDirectory)
            try FileManager.default.createDirectory(at: dataDirectory, withIntermediateDirectories: true)
            try created.save(file)
            store = created
        }
        let app = try SwitchyardApp.build(
            config: config, host: "127.0.0.1", port: 0, logger: logger, store: store, environment: ["SWITCHYARD_ADMIN_TOKEN": adminToken]
        ) { port in
            continuation.yield(port)
        }
        let client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: .init(timeout: .init(connect: .seconds(5), read: .seconds(30))))
        do {
            let result = try await run(app: app, ports: ports, client: client, body)
            try await client.shutdown()
            return result
        } catch {
            try? await client.shutdown()
            throw error
        }
    }

    private static func run<R: Sendable>(
        app: some ApplicationProtocol, ports: AsyncStream<Int>, client: HTTPClient, _ body: @Sendable (RelayHarness) async throws -> R
    ) async throws -> R {
        try await withThrowingTaskGroup(of: R?.self) { group in
            group.addTask {
                try await app.runService(gracefulShutdownSignals: [])
                return nil
            }
            var iterator = ports.makeAsyncIterator()
            guard let port = await iterator.next() else { throw CancellationError() }
            let result = try await body(RelayHarness(port: port, client: client))
            group.cancelAll()
            return result
        }
    }

    /// POSTs `json` to `path` with the client key (or the given auth headers) and collects the whole answer.
    func post(
        _ path: String, json: String, headers: [(String, String)] = [("x-api-key", RelayHarness.clientKey)], timeout: TimeAmount = .seconds(20)
    ) async throws -> (status: Int, headers: HTTPHeaders, body: String) {
        var request = HTTPClientRequest(url: base + path)
        request.method = .POST
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        request.headers.add(name: "content-type", value: "application/json")
        request.body = .bytes(ByteBuffer(string: json))
        let response = try await client.execute(request, timeout: timeout)
        let body = try await response.body.collect(upTo: 64 << 20)
        return (Int(response.status.code), response.headers, String(buffer: body))
    }

    /// The relay's status document.
    func status() async throws -> JSONValue {
        try JSONValue.parse(try await get("/api/status", headers: RelayHarness.admin).body)
    }

    func get(_ path: String, headers: [(String, String)] = [("x-api-key", RelayHarness.clientKey)]) async throws -> (status: Int, body: String) {
        var request = HTTPClientRequest(url: base + path)
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        let response = try await client.execute(request, timeout: .seconds(10))
        return (Int(response.status.code), String(buffer: try await response.body.collect(upTo: 1 << 20)))
    }
}

/// Polls an async `condition` every 50 ms for up to `seconds`.
func eventually(within seconds: Double = 3, _ condition: () async -> Bool) async -> Bool {
    let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
    while ContinuousClock.now < deadline {
        if await condition() { return true }
        try? await Task.sleep(for: .milliseconds(50))
    }
    return await condition()
}

/// Polls `condition` every 20 ms for up to `seconds`.
@_disfavoredOverload
func eventually(within seconds: Double = 3, _ condition: () -> Bool) async -> Bool {
    let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
    while ContinuousClock.now < deadline {
        if condition() { return true }
        try? await Task.sleep(for: .milliseconds(20))
    }
    return condition()
}

func messagesBody(stream: Bool, model: String = "claude-sonnet-4-5") -> String {
    #"{"model":"\#(model)","max_tokens":64,"stream":\#(stream),"messages":[{"role":"user","content":"hi"}]}"#
}

func responsesBody(stream: Bool) -> String {
    #"{"model":"gpt-5.1-codex","stream":\#(stream),"store":false,"input":[{"type":"message","role":"user","content":[{"type":"input_text","text":"hi"}]}]}"#
}
