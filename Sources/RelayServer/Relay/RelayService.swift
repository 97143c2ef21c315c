import AsyncHTTPClient
import Foundation
public import HTTPTypes
public import Hummingbird
public import Logging
import NIOCore
import NIOHTTP1
import RelayConfig
public import RelayCore
import RelayRouting
import RelayUpstream

/// Serves relay routes: authenticate → read the body once → take the config snapshot → plan
/// candidates → attempt loop up to the commit point → stream the answer back untouched while
/// observing usage → one record per request.
public struct RelayService: Sendable {
    public let runtime: RelayRuntime

    public init(runtime: RelayRuntime) {
        self.runtime = runtime
    }

    public func serve(_ request: Request, route: RelayRoute, connection: ConnectionWatcher, logger: Logger) async -> Response {
        let config = runtime.configs.snapshot
        let requestID = Self.makeRequestID()
        let started = ContinuousClock.now
        let sink = runtime.sink
        var record = RequestRecord(
            requestID: requestID, startedAt: runtime.wallClock.now(), client: nil, inbound: route.inbound, route: route.kind.rawValue,
            pool: route.pool.rawValue)
        func fail(_ error: RelayHTTPError) -> Response {
            record.status = error.status.code
            record.errorLabel = record.errorLabel ?? error.code
            record.durationSeconds = Self.seconds(since: started)
            sink.record(record)
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
                RelayHTTPError(.unauthorized, dialect: route.dialect, code: "invalid_api_key", message: "The client key is not valid for this relay."))
        }
        record.client = client.name

        let limit = config.server.maxBodyBytes
        if let length = request.headers[.contentLength].flatMap(Int.init), length > limit {
            return fail(Self.tooLarge(route, limit: limit))
        }

        var clientHeaders: [(name: String, value: String)] = []
        clientHeaders.reserveCapacity(request.headers.count)
        for field in request.headers { clientHeaders.append((field.name.rawName, field.value)) }
        let isChat = route.kind == .chatCompletions
        let context = AttemptInputs(
            route: route, config: config, method: request.method.rawValue, query: isChat ? nil : request.uri.query,
            headers: isChat ? ChatRelay.upstreamHeaders(from: clientHeaders) : HeaderPolicy.upstreamHeaders(from: clientHeaders),
            logger: logger)

        // Phase 1, cancelled at once if the client hangs up: read the body, choose, attempt until
        // an upstream passes the commit point (success headers and its first content event).
        let body = request.body
        let runtime = self.runtime
        let phase = await Self.cancellingOnClose(connection) { () async -> PhaseOne in
            var inputs = context
            if inputs.method == "POST" {
                do {
                    inputs.body = try await body.collect(upTo: limit)
                } catch is NIOTooManyBytesError {
                    return .rejected(Self.tooLarge(route, limit: limit))
                } catch {
                    return .cancelled(attempts: 0)
                }
                if isChat, let payload = inputs.body {
                    switch ChatRelay.convert(payload, config: inputs.config) {
                    case .failure(let error): return .rejected(error)
                    case .success(let converted):
                        inputs.converted = converted
                        inputs.body = ByteBuffer(bytes: converted.bodyBytes())
                        inputs.streaming = converted.stream
                        inputs.model = converted.requestedModel
                    }
                } else if let payload = inputs.body {
                    let fields = payload.withUnsafeReadableBytes { JSONFieldScanner.topLevelFields(["model", "stream"], in: $0) }
                    inputs.streaming = fields?["stream"]?.boolValue ?? false
                    inputs.model = fields?["model"]?.stringValue
                    if let model = inputs.model, let target = inputs.config.modelMatcher(for: route.pool).target(for: model), target != model,
                        let renamed = payload.withUnsafeReadableBytes({ JSONFieldScanner.replacingTopLevelString("model", with: target, in: $0) })
                    {
                        inputs.body = ByteBuffer(bytes: renamed)
                    }
                }
            }
            return await RelayAttempts(runtime: runtime, inputs: inputs).run()
        }

        switch phase {
        case .none, .some(.cancelled):
            if case .some(.cancelled(let attempts)) = phase { record.attempts = attempts }
            record.clientCancelled = true
            record.errorLabel = "client_cancelled"
            record.status = 499
            record.durationSeconds = Self.seconds(since: started)
            sink.record(record)
            return Response(status: .init(code: 499))
        case .some(.rejected(let error)):
            return fail(error)
        case .some(.failed(let error, let details)):
            record.attempts = details.attempts
            record.requestedModel = details.model
            record.upstream = details.lastUpstream
            record.errorLabel = details.label
            record.streamed = details.streaming
            return fail(error)
        case .some(.committed(let prepared)):
            record.attempts = prepared.attempts
            record.upstream = prepared.target.name
            record.requestedModel = prepared.model
            record.streamed = prepared.streaming
            if let converted = prepared.converted {
                if converted.stream {
                    return ChatRelay.response(prepared, converted: converted, record: record, started: started, requestID: requestID, runtime: runtime)
                }
                let pending = record
                let finished: (status: Int, body: JSONValue, record: RequestRecord)?
                if prepared.wholeAnswer != nil {
                    // Read whole in the attempt: converting it waits on nothing a hang-up could cancel.
                    finished = await ChatRelay.complete(
                        prepared, converted: converted, record: pending, started: started, requestID: requestID, runtime: runtime)
                } else {
                    finished = await Self.cancellingOnClose(connection) {
                        await ChatRelay.complete(
                            prepared, converted: converted, record: pending, started: started, requestID: requestID, runtime: runtime)
                    }
                }
                guard let finished else {
                    record.clientCancelled = true
                    record.errorLabel = "client_cancelled"
                    record.status = 499
                    record.durationSeconds = Self.seconds(since: started)
                    sink.record(record)
                    return Response(status: .init(code: 499))
                }
                await runtime.recordDurably(finished.record)
                var headers = HTTPFields()
                headers[.contentType] = "application/json"
                if let name = HTTPField.Name("x-switchyard-request-id") { headers[name] = requestID }
                return Response(
                    status: .init(code: finished.status), headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: finished.body.compactUTF8())))
            }
            return Self.relayResponse(prepared, route: route, record: record, started: started, requestID: requestID, runtime: runtime)
        }
    }

    /// Phase 2: the head, the bytes read before the commit point, then the rest as it arrives.
    static func relayResponse(
        _ prepared: PreparedResponse, route: RelayRoute, record initial: RequestRecord, started: ContinuousClock.Instant, requestID: String,
        runtime: RelayRuntime
    ) -> Response {
        var record = initial
        let upstream = prepared.head
        record.status = Int(upstream.status.code)
        var headers = HTTPFields()
        var upstreamHeaders: [(name: String, value: String)] = []
        for header in upstream.headers { upstreamHeaders.append((header.name, header.value)) }
        for header in HeaderPolicy.clientHeaders(from: upstreamHeaders) {
            if let name = HTTPField.Name(header.name) { headers.append(HTTPField(name: name, value: header.value)) }
        }
        if let name = HTTPField.Name("x-switchyard-request-id") { headers[name] = requestID }
        let isEventStream = prepared.isEventStream
        let contentLength = isEventStream ? nil : upstream.headers.first(name: "content-length").flatMap(Int.init)
        let sink = runtime.sink
        let health = runtime.health
        let healthKey = prepared.target.healthKey
        let finalRecord = record
        let metrics = runtime.metrics
        let responseBody = ResponseBody(contentLength: contentLength) { writer in
            metrics.streamStarted()
            defer { metrics.streamFinished() }
            var record = finalRecord
            var observer = prepared.observer
            let iterator = prepared.iterator
            var tail = TailBytes()
            var clientGone = false
            var written = 0
            var recorded = false
            // A short stream can end inside the bytes read before the commit point: its last
            // buffered chunk then completes the answer and waits for the durable record too.
            let lastBuffered = isEventStream && observer.observed.sawTerminalEvent ? prepared.buffered.count - 1 : -1
            for (index, chunk) in prepared.buffered.enumerated() {
                if record.timeToFirstByteSeconds == nil { record.timeToFirstByteSeconds = Self.seconds(since: started) }
                tail.note(chunk)
                if index == lastBuffered {
                    var final = record
                    Self.complete(&final, observer: observer.observed, isEventStream: isEventStream, started: started)
                    await runtime.recordDurably(final)
                    recorded = true
                }
                do {
                    try await writer.write(chunk)
                } catch {
                    clientGone = true
                    break
                }
            }
            while !clientGone {
                let chunk: ByteBuffer?
                do {
                    chunk = try await iterator.next()
                } catch {
                    let failure = UpstreamError.classify(error, afterHead: true)
                    record.errorLabel = failure.metricLabel
                    if failure != .cancelled {
                        health.recordFailure(
                            healthKey, effect: .countFailure, label: "after_commit_\(failure.metricLabel)", retryAfter: nil,
                            settings: runtime.configs.snapshot.health)
                    }
                    if isEventStream {
                        let event = Self.midStreamErrorEvent(route: route, failure: failure, afterPartialLine: !tail.endsWithBlankLine)
                        try? await writer.write(ByteBuffer(string: event))
                    }
                    break
                }
                guard let chunk else {
                    observer.finish()
                    break
                }
                if record.timeToFirstByteSeconds == nil { record.timeToFirstByteSeconds = Self.seconds(since: started) }
                chunk.withUnsafeReadableBytes { observer.consume($0) }
                tail.note(chunk)
                written += chunk.readableBytes
                // The chunk that completes the answer waits until the request's record is durable,
                // so a crash after the client saw the whole answer cannot lose it.
                let completes = isEventStream ? observer.observed.sawTerminalEvent : contentLength.map { written >= $0 } ?? false
                if completes, !recorded {
                    if !isEventStream { observer.finish() }
                    var final = record
                    Self.complete(&final, observer: observer.observed, isEventStream: isEventStream, started: started)
                    await runtime.recordDurably(final)
                    recorded = true
                }
                do {
                    try await writer.write(chunk)
                } catch {
                    clientGone = true
                }
            }
            if clientGone {
                record.clientCancelled = true
                record.errorLabel = "client_cancelled"
            }
            let observed = observer.observed
            if let inBand = observed.inBandError, record.errorLabel == nil, !observed.sawTerminalEvent {
                health.recordFailure(
                    healthKey, effect: .countFailure, label: "after_commit_in_band_\(inBand)", retryAfter: nil,
                    settings: runtime.configs.snapshot.health)
            }
            if !recorded {
                Self.complete(&record, observer: observed, isEventStream: isEventStream, started: started)
                // E.g. a chunked JSON answer (no Content-Length) or a stream whose last event had
                // no blank line: the record is durable before the response's end is sent,
                // unless nobody is listening any more.
                if clientGone { sink.record(record) } else { await runtime.recordDurably(record) }
            }
            if !clientGone { try? await writer.finish(nil) }
        }
        return Response(status: .init(code: Int(upstream.status.code)), headers: headers, body: responseBody)
    }

    /// Fills a record's outcome from what the observer saw.
    static func complete(_ record: inout RequestRecord, observer observed: ObservedResponse, isEventStream: Bool, started: ContinuousClock.Instant) {
        record.usage = observed.usage
        record.servedModel = observed.servedModel
        record.partial = isEventStream && !observed.sawTerminalEvent
        if let inBand = observed.inBandError, record.errorLabel == nil { record.errorLabel = "in_band_\(inBand)" }
        record.durationSeconds = seconds(since: started)
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

    /// `sy_` + 12 hex digits of Unix milliseconds + 12 random hex digits (48 bits).
    ///
    /// Time first so ids sort by time: the ledger's primary-key index then grows at its right
    /// edge instead of dirtying a random page per request, which with random ids was most of
    /// the bytes every group commit wrote. 48 random bits per millisecond keep ids unique
    /// (the ledger is idempotent by id, so a collision would lose a record).
    static func makeRequestID(now: Date = Date()) -> String {
        var generator = SystemRandomNumberGenerator()
        let milliseconds = UInt64(max(0, now.timeIntervalSince1970 * 1000)) & 0xFFFF_FFFF_FFFF
        let random = (generator.next() as UInt64) & 0xFFFF_FFFF_FFFF
        return "sy_" + hex12(milliseconds) + hex12(random)
    }

    private static func hex12(_ value: UInt64) -> String {
        let hex = String(value, radix: 16)
        return String(repeating: "0", count: max(0, 12 - hex.count)) + hex
    }

    static func seconds(since start: ContinuousClock.Instant) -> Double {
        let elapsed = ContinuousClock.now - start
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }
}

/// Remembers whether the bytes written so far end at an event boundary.
struct TailBytes {
    private var last: [UInt8] = []

    mutating func note(_ chunk: ByteBuffer) {
        let count = min(2, chunk.readableBytes)
        if let bytes = chunk.getBytes(at: chunk.readerIndex + chunk.readableBytes - count, length: count) {
            last = Array((last + bytes).suffix(2))
        }
    }

    var endsWithBlankLine: Bool { last == [0x0A, 0x0A] }
}
