import Hummingbird
import HummingbirdHTTP2
import HummingbirdTLS
import Logging
import NIOCore
import NIOSSL

/// A real HTTP(S) server on a local port that plays an LLM upstream: Anthropic Messages
/// (`/v1/messages`, `/v1/messages/count_tokens`, `/v1/models`) and OpenAI Responses
/// (`/v1/responses`, `/responses`).
///
/// It answers like a small agent (a tool call, then a text answer once the tool result comes back)
/// so Claude Code and Codex finish a turn through the relay. Each request chooses its behaviour
/// with `x-fake-*` headers (status injection, delays, hangs, paced streams, mid-stream errors, usage
/// numbers); everything received is recorded with header names exactly as sent. Control endpoints
/// `GET /_fake/requests`, `GET /_fake/stats` and `POST /_fake/reset` expose the same state to
/// out-of-process tests.
///
/// Request headers that pick behaviour (see `FakeControls` for details):
/// `x-fake-status: N` (+ `x-fake-retry-after: S`), `x-fake-first-byte-delay-ms: N`, `x-fake-hang: 1`,
/// `x-fake-events: N`, `x-fake-interval-ms: M`, `x-fake-delta-bytes: K`, `x-fake-echo: 1`,
/// `x-fake-midstream-error: 1`, `x-fake-cut-body: 1` (an Anthropic answer that breaks off: half the
/// JSON body, or a stream after its first text delta), `x-fake-fast: 1` (Anthropic only), and `x-fake-usage: a,b,c,d`
/// (Anthropic: input, cache creation, cache read, output; Responses: input, cached, output, reasoning).
/// Waits and streams notice a client that hangs up and count the request as cancelled.
///
/// The server runs in a child task of ``withRunning(tls:host:port:record:http2:_:)``, for the
/// length of its body (``shutdown()`` can end it sooner).
public final class FakeUpstream: Sendable {
    /// PEM files for serving HTTPS.
    public struct TLSFiles: Sendable {
        /// Certificate chain, PEM (leaf first).
        public var certificatePath: String
        /// Private key of the leaf certificate, PEM.
        public var privateKeyPath: String

        /// Describes the PEM files; they are read when the server starts.
        public init(certificatePath: String, privateKeyPath: String) {
            self.certificatePath = certificatePath
            self.privateKeyPath = privateKeyPath
        }
    }

    /// Request counters since start or the last ``reset()``. Control endpoints are not counted.
    public struct Stats: Sendable, Codable, Equatable {
        /// Requests that arrived.
        public var received: Int
        /// Requests whose response was produced to the end (errors injected on purpose included).
        public var completed: Int
        /// Requests whose client went away (or the server stopped) before the response finished.
        public var cancelled: Int

        /// Creates counters, zero by default.
        public init(received: Int = 0, completed: Int = 0, cancelled: Int = 0) {
            self.received = received
            self.completed = completed
            self.cancelled = cancelled
        }
    }

    /// Errors from starting the fake.
    public enum StartError: Error {
        /// The server stopped before it was listening (for example the port was taken).
        case serverExitedBeforeListening
    }

    /// The bound port (the real one when started with port 0).
    public let port: Int
    /// `http://127.0.0.1:PORT`, or `https://localhost:PORT` when serving TLS.
    public let baseURL: String

    private let state: FakeUpstreamState
    /// Finishing it asks the server to stop; `stopped` ends once it has.
    private let stopRequest: AsyncStream<Void>.Continuation
    private let stopped: AsyncStream<Void>

    private init(port: Int, baseURL: String, state: FakeUpstreamState, stopRequest: AsyncStream<Void>.Continuation, stopped: AsyncStream<Void>) {
        self.port = port
        self.baseURL = baseURL
        self.state = state
        self.stopRequest = stopRequest
        self.stopped = stopped
    }

    /// Starts a fake, runs `body` with it once it is listening, and shuts it down whether `body`
    /// returns or throws. The server runs in a child task of this call (structured: it cannot
    /// outlive it).
    ///
    /// - Parameters:
    ///   - tls: serve HTTPS with these files; `nil` for plain HTTP.
    ///   - host: address to bind.
    ///   - port: port to bind; 0 picks a free one (read it from ``port``).
    ///   - record: keep every request for ``requests()``; turn off for benchmarks so memory stays flat
    ///     (counters still run).
    /// - Parameter http2: with `tls`, offer HTTP/2 by ALPN (HTTP/1.1 stays available).
    public static func withRunning<Result: Sendable>(
        tls: TLSFiles? = nil,
        host: String = "127.0.0.1",
        port: Int = 0,
        record: Bool = true,
        http2: Bool = false,
        _ body: (FakeUpstream) async throws -> Result
    ) async throws -> Result {
        let state = FakeUpstreamState(recording: record)
        var logger = Logger(label: "FakeUpstream")
        // Shutdown cancels the server, which Hummingbird reports at error level; nothing else the
        // server logs matters to a test.
        logger.logLevel = .critical
        let (boundPorts, boundPort) = AsyncStream<Int>.makeStream()
        let configuration = ApplicationConfiguration(address: .hostname(host, port: port))
        let onServerRunning: @Sendable (any Channel) async -> Void = { channel in
            boundPort.yield(channel.localAddress?.port ?? port)
            boundPort.finish()
        }
        let responder = FakeResponder(state: state)
        let app: Application<FakeResponder>
        if let tls, http2 {
            // ALPN offers h2 and http/1.1; a client that speaks HTTP/2 gets it.
            app = Application(
                responder: responder,
                server: try .http2Upgrade(tlsConfiguration: try makeTLSConfiguration(tls)),
                configuration: configuration,
                onServerRunning: onServerRunning,
                logger: logger
            )
        } else if let tls {
            app = Application(
                responder: responder,
                server: try .tls(.http1(), tlsConfiguration: try makeTLSConfiguration(tls)),
                configuration: configuration,
                onServerRunning: onServerRunning,
                logger: logger
            )
        } else {
            app = Application(
                responder: responder,
                server: .http1(),
                configuration: configuration,
                onServerRunning: onServerRunning,
                logger: logger
            )
        }
        let (stopRequests, stopRequest) = AsyncStream<Void>.makeStream()
        let (stopped, markStopped) = AsyncStream<Void>.makeStream()
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                defer {
                    boundPort.finish()
                    markStopped.finish()
                }
                // The server runs until a stop is requested (then it is cancelled: open
                // connections end, streams in progress count as cancelled) or it fails.
                try await withThrowingTaskGroup(of: Void.self) { server in
                    server.addTask { try await app.run() }
                    server.addTask { for await _ in stopRequests {} }
                    defer { server.cancelAll() }
                    do {
                        _ = try await server.next()
                    } catch is CancellationError {
                        // A stop, not a failure.
                    }
                }
            }
            var ports = boundPorts.makeAsyncIterator()
            guard let actualPort = await ports.next() else {
                stopRequest.finish()
                try await group.waitForAll()
                throw StartError.serverExitedBeforeListening
            }
            let baseURL = tls != nil ? "https://localhost:\(actualPort)" : "http://\(urlHost(host)):\(actualPort)"
            let fake = FakeUpstream(port: actualPort, baseURL: baseURL, state: state, stopRequest: stopRequest, stopped: stopped)
            let result: Result
            do {
                result = try await body(fake)
            } catch {
                await fake.shutdown()
                try? await group.waitForAll()
                throw error
            }
            await fake.shutdown()
            try await group.waitForAll()
            return result
        }
    }

    /// Every request received (control endpoints excluded), in arrival order. Empty when started
    /// with `record: false`.
    public func requests() -> [RecordedRequest] {
        state.requests
    }

    /// The counters.
    public func stats() -> Stats {
        state.stats
    }

    /// Forgets recorded requests and zeroes the counters and the id sequence.
    public func reset() {
        state.reset()
    }

    /// Makes every request behave as if it carried these `x-fake-*` headers (unless it carries
    /// them itself): how a test makes one upstream of several fail, hang or answer slowly.
    public func setDefaultControls(_ headers: [String: String]) {
        state.defaults = headers
    }

    /// Answers a random share (0…1) of requests with `status` (for failure-rate benchmarks).
    public func setRandomFailures(rate: Double, status: Int = 500) {
        state.setRandomFailures(rate: rate, status: status)
    }

    /// Stops listening, ends open connections (streams in progress count as cancelled) and waits
    /// until the server is gone. Calling it again is harmless; ``withRunning(tls:host:port:record:http2:_:)``
    /// calls it when its body ends.
    public func shutdown() async {
        stopRequest.finish()
        for await _ in stopped {}
    }

    private static func makeTLSConfiguration(_ files: TLSFiles) throws -> TLSConfiguration {
        let chain = try NIOSSLCertificate.fromPEMFile(files.certificatePath).map { NIOSSLCertificateSource.certificate($0) }
        let key = try NIOSSLPrivateKey(file: files.privateKeyPath, format: .pem)
        var configuration = TLSConfiguration.makeServerConfiguration(certificateChain: chain, privateKey: .privateKey(key))
        configuration.applicationProtocols = ["http/1.1"]
        return configuration
    }

    private static func urlHost(_ host: String) -> String {
        switch host {
        case "", "0.0.0.0": return "127.0.0.1"
        case "::": return "[::1]"
        default: return host.contains(":") ? "[\(host)]" : host
        }
    }
}
