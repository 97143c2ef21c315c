import AsyncHTTPClient
import Foundation
public import HTTPTypes
public import Hummingbird
public import Logging
import NIOCore
import NIOHTTP1
public import RelayConfig
public import RelayCore
import RelayRouting
public import RelayUpstream

/// Serves relay routes: authenticate → read the body once → take the config snapshot →
/// choose an upstream → send → stream the answer back untouched while observing usage.
public struct RelayService: Sendable {
    public let configs: ConfigHolder
    public let clients: UpstreamClients
    public let sink: any UsageSink
    public let clock: any WallClock
    public let connections: ConnectionRegistry

    public init(
        configs: ConfigHolder, clients: UpstreamClients, sink: any UsageSink, connections: ConnectionRegistry,
        clock: any WallClock = SystemWallClock()
    ) {
        self.configs = configs
        self.connections = connections
        self.clients = clients
        self.sink = sink
        self.clock = clock
    }

    public func serve(_ request: Request, route: RelayRoute, connection: ConnectionWatcher, logger: Logger) async -> Response {
        let config = configs.snapshot
        let requestID = Self.makeRequestID()
        let started = ContinuousClock.now
        var record = RequestRecord(
            requestID: requestID, startedAt: clock.now(), client: nil, inbound: route.inbound, route: route.kind.rawValue,
            pool: route.pool.rawValue)
        func fail(_ error: RelayHTTPError) -> Response {
            record.status = error.status.code
            record.errorLabel = error.code
            record.durationSeconds = Self.seconds(since: started)
            self.sink.record(record)
            return error.response(requestID: requestID)
        }

        let client: ClientCredential
        switch ClientAuthenticator.authenticate(request.headers, clients: config.clients) {
        case .authenticated(let credential): client = credential
        case .missing:
            return fail(
                RelayHTTPError(
                    .unauthorized, dialect: route.dialect, code: "missing_api_key",
                    message: "No client key: send it as `Authorization: Bearer <key>` or `x-api-key: <key>`."))
        case .invalid:
            return fail(
                RelayHTTPError(
                    .unauthorized, dialect: route.dialect, code: "invalid_api_key",
                    message: "The client key is not valid for this relay."))
        }
        record.client = client.name

        if route.kind == .chatCompletions {
            return fail(
                RelayHTTPError(
                    .init(code: 501), dialect: .openAI, code: "not_implemented",
                    message: "Chat Completions on Anthropic upstreams is not available in this build; use /v1/messages or /openai/responses."))
        }
        let limit = config.server.maxBodyBytes
        if let length = request.headers[.contentLength].flatMap(Int.init), length > limit {
            return fail(Self.tooLarge(route, limit: limit))
        }

        let candidates = UpstreamSelector.candidates(in: config.upstreams(in: route.pool), at: clock.now(), timeZone: config.timeZone)
        guard let target = candidates.first else {
            let reasons = candidates.skipped.map { "\($0.target.name): \($0.reason.rawValue)" }
            let detail = reasons.isEmpty ? "no upstreams are configured" : reasons.joined(separator: ", ")
            return fail(
                RelayHTTPError(
                    .serviceUnavailable, dialect: route.dialect, code: "no_upstream_available",
                    message: "No upstream in the \(route.pool.rawValue) pool can serve now (\(detail))."))
        }
        record.upstream = target.name

        var clientHeaders: [(name: String, value: String)] = []
        clientHeaders.reserveCapacity(request.headers.count)
        for field in request.headers { clientHeaders.append((field.name.rawName, field.value)) }
        let forwarded = HeaderPolicy.upstreamHeaders(from: clientHeaders)
        let method = request.method.rawValue
        let query = request.uri.query
        var attemptLogger = logger
        attemptLogger[metadataKey: "relay.upstream"] = "\(target.name)"
        attemptLogger[metadataKey: "relay.key_id"] = "\(target.keyID)"
        let upstreamLogger = attemptLogger

        // Phase 1, cancelled at once if the client hangs up: read the body, send, wait for headers.
        let body = request.body
        let phase = await Self.cancellingOnClose(connection) { () async -> Result<(HTTPClientResponse, Bool, String?), RelayHTTPError> in
            var payload: ByteBuffer?
            var streaming = false
            var model: String?
            if method == "POST" {
                let collected: ByteBuffer
                do {
                    collected = try await body.collect(upTo: limit)
                } catch is NIOTooManyBytesError {
                    return .failure(Self.tooLarge(route, limit: limit))
                } catch {
                    return .failure(Self.upstreamFailure(.cancelled, route: route, upstream: target.name))
                }
                let fields = collected.withUnsafeReadableBytes { JSONFieldScanner.topLevelFields(["model", "stream"], in: $0) }
                streaming = fields?["stream"]?.boolValue ?? false
                model = fields?["model"]?.stringValue
                payload = collected
            }
            let call = UpstreamCall(
                target: target, method: method, apiPath: route.apiPath, query: query, headers: forwarded, body: payload,
                streaming: streaming)
            do {
                let response = try await call.send(using: clients, timeouts: config.timeouts, logger: upstreamLogger)
                return .success((response, streaming, model))
            } catch {
                return .failure(Self.upstreamFailure(UpstreamError.classify(error, afterHead: false), route: route, upstream: target.name))
            }
        }
        guard let phase else {
            record.clientCancelled = true
            record.errorLabel = "client_cancelled"
            record.status = 499
            record.attempts = 1
            record.durationSeconds = Self.seconds(since: started)
            self.sink.record(record)
            return Response(status: .init(code: 499))
        }
        record.attempts = 1
        let upstream: HTTPClientResponse
        switch phase {
        case .failure(let error):
            if error.code == "client_cancelled" { record.clientCancelled = true }
            return fail(error)
        case .success(let (response, streaming, model)):
            upstream = response
            record.streamed = streaming
            record.requestedModel = model
        }

        // Phase 2: relay the head, then the body chunk by chunk as it arrives.
        record.status = Int(upstream.status.code)
        var headers = HTTPFields()
        var upstreamHeaders: [(name: String, value: String)] = []
        for header in upstream.headers { upstreamHeaders.append((header.name, header.value)) }
        for header in HeaderPolicy.clientHeaders(from: upstreamHeaders) {
            if let name = HTTPField.Name(header.name) { headers.append(HTTPField(name: name, value: header.value)) }
        }
        if let name = HTTPField.Name("x-switchyard-request-id") { headers[name] = requestID }
        let contentType = upstream.headers.first(name: "content-type") ?? ""
        let isEventStream = contentType.lowercased().hasPrefix("text/event-stream")
        let contentLength = isEventStream ? nil : upstream.headers.first(name: "content-length").flatMap(Int.init)
        let format = target.format
        let usageSink = self.sink
        let finalRecord = record
        let responseBody = ResponseBody(contentLength: contentLength) { writer in
            var record = finalRecord
            var observer = UsageObserver(format: format, streaming: isEventStream)
            var iterator = upstream.body.makeAsyncIterator()
            var wroteAnything = false
            var lastBytes: [UInt8] = []
            while true {
                let chunk: ByteBuffer?
                do {
                    chunk = try await iterator.next()
                } catch {
                    let failure = UpstreamError.classify(error, afterHead: true)
                    record.errorLabel = failure.metricLabel
                    if isEventStream {
                        let event = Self.midStreamErrorEvent(route: route, failure: failure, afterPartialLine: !(lastBytes == [0x0A, 0x0A]))
                        try? await writer.write(ByteBuffer(string: event))
                    }
                    break
                }
                guard let chunk else {
                    observer.finish()
                    break
                }
                if !wroteAnything {
                    wroteAnything = true
                    record.timeToFirstByteSeconds = Self.seconds(since: started)
                }
                chunk.withUnsafeReadableBytes { observer.consume($0) }
                if chunk.readableBytes >= 2 {
                    lastBytes = chunk.getBytes(at: chunk.readerIndex + chunk.readableBytes - 2, length: 2) ?? []
                } else if let byte = chunk.getBytes(at: chunk.readerIndex, length: chunk.readableBytes) {
                    lastBytes = Array((lastBytes + byte).suffix(2))
                }
                do {
                    try await writer.write(chunk)
                } catch {
                    record.clientCancelled = true
                    record.errorLabel = "client_cancelled"
                    break
                }
            }
            let observed = observer.observed
            record.usage = observed.usage
            record.servedModel = observed.servedModel
            record.partial = isEventStream && !observed.sawTerminalEvent
            if let inBand = observed.inBandError, record.errorLabel == nil { record.errorLabel = "in_band_\(inBand)" }
            record.durationSeconds = Self.seconds(since: started)
            usageSink.record(record)
            if !record.clientCancelled { try? await writer.finish(nil) }
        }
        return Response(status: .init(code: Int(upstream.status.code)), headers: headers, body: responseBody)
    }

    /// Runs `operation`, cancelling it the moment the client's connection closes; nil then.
    static func cancellingOnClose<Value: Sendable>(
        _ connection: ConnectionWatcher, _ operation: @escaping @Sendable () async -> Value
    ) async -> Value? {
        await withTaskGroup(of: Value?.self) { group in
            group.addTask { await operation() }
            group.addTask {
                await connection.waitUntilClosed()
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
    }

    static func tooLarge(_ route: RelayRoute, limit: Int) -> RelayHTTPError {
        RelayHTTPError(
            .contentTooLarge, dialect: route.dialect, code: "request_too_large",
            message: "The request body is larger than this relay's limit of \(limit) bytes (server.max_body_bytes).")
    }

    static func upstreamFailure(_ error: UpstreamError, route: RelayRoute, upstream: String) -> RelayHTTPError {
        switch error {
        case .cancelled:
            return RelayHTTPError(.init(code: 499), dialect: route.dialect, code: "client_cancelled", message: "The client went away.")
        case .firstByteTimeout, .idleTimeout:
            return RelayHTTPError(
                .gatewayTimeout, dialect: route.dialect, code: "upstream_timeout", message: "Upstream \(upstream): \(error.description).")
        case .connectFailed, .connectTimeout, .reset, .misconfigured:
            return RelayHTTPError(
                .badGateway, dialect: route.dialect, code: "upstream_\(error.metricLabel)", message: "Upstream \(upstream): \(error.description).")
        }
    }

    /// The in-band error for a stream that broke after the client got its first bytes.
    /// No terminal event follows, so Claude Code and Codex treat the turn as failed and retry.
    static func midStreamErrorEvent(route: RelayRoute, failure: UpstreamError, afterPartialLine: Bool) -> String {
        let message = "The upstream stream broke: \(failure.description)."
        let prefix = afterPartialLine ? "\n\n" : ""
        switch route.dialect {
        case .anthropic:
            let data: JSONValue = ["type": "error", "error": ["type": "api_error", "message": .string(message)]]
            return prefix + SSEEncoder.encode(event: "error", data: data.serialized())
        case .openAI:
            let data: JSONValue = ["type": "error", "code": "upstream_stream_error", "message": .string(message), "param": nil]
            return prefix + SSEEncoder.encode(event: "error", data: data.serialized())
        }
    }

    static func makeRequestID() -> String {
        var generator = SystemRandomNumberGenerator()
        let value = generator.next() as UInt64
        let hex = String(value, radix: 16)
        return "sy_" + String(repeating: "0", count: 16 - hex.count) + hex
    }

    static func seconds(since start: ContinuousClock.Instant) -> Double {
        let elapsed = ContinuousClock.now - start
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }
}
