import AsyncHTTPClient
import Foundation
import HTTPTypes
import Logging
import NIOCore
import NIOHTTP1
import RelayConfig
import RelayCore
import RelayRouting
import RelayUpstream
import Synchronization

/// What a request brings to the attempt loop.
struct AttemptInputs: Sendable {
    var route: RelayRoute
    var config: RuntimeConfig
    var method: String
    var query: String?
    var headers: [(name: String, value: String)]
    var logger: Logger
    var body: ByteBuffer?
    var streaming = false
    var model: String?
    /// Set for Chat Completions translated to Anthropic.
    var converted: ConvertedRequest?
}

/// An upstream response that passed the commit point, with what was read to get there.
struct PreparedResponse: Sendable {
    var head: HTTPClientResponse
    var target: UpstreamTarget
    var attempts: Int
    var model: String?
    var streaming: Bool
    var isEventStream: Bool
    /// Bytes read before the commit point, in order; sent first.
    var buffered: [ByteBuffer]
    var observer: UsageObserver
    var iterator: BodyIterator
    var converted: ConvertedRequest?
    /// A translated answer for a non-streaming client, read to its end before the commit point
    /// (see ``RelayAttempts/readWholeAnswer(_:isEventStream:alreadyRead:)``); the iterator is done.
    var wholeAnswer: CanonicalResponse?
}

/// The upstream body iterator, handed once from the attempt task to the response writer.
/// Used by one task at a time, never concurrently.
final class BodyIterator: @unchecked Sendable {
    private var iterator: HTTPClientResponse.Body.AsyncIterator

    init(_ iterator: HTTPClientResponse.Body.AsyncIterator) {
        self.iterator = iterator
    }

    func next() async throws -> ByteBuffer? { try await iterator.next() }
}

/// How phase one ended.
enum PhaseOne: Sendable {
    case committed(PreparedResponse)
    case failed(RelayHTTPError, FailureDetails)
    case rejected(RelayHTTPError)
    case cancelled(attempts: Int)
}

struct FailureDetails: Sendable {
    var attempts: Int
    var model: String?
    var lastUpstream: String?
    var label: String?
    var streaming: Bool
}

/// The last upstream error body of a request, to quote its message to the client.
final class LastError: Sendable {
    let value = Mutex<(upstream: String, body: String)?>(nil)
}

/// Runs the attempt loop for one request against real upstreams.
struct RelayAttempts: Sendable {
    let runtime: RelayRuntime
    let inputs: AttemptInputs

    /// Largest pre-commit read: a stream that has sent this much without a content event commits anyway.
    static let commitBufferLimit = 256 << 10
    /// Largest upstream error body read to classify it and quote its message.
    static let errorBodyLimit = 64 << 10
    /// Largest non-streaming (JSON) translated answer read before the commit point; a larger one
    /// is committed with what was read and the rest is collected after.
    static let wholeAnswerLimit = 32 << 20

    func run() async -> PhaseOne {
        let config = inputs.config
        let route = inputs.route
        let pool = config.upstreams(in: route.pool)
        let now = runtime.wallClock.now()
        let plan = CandidatePlanner.plan(
            pool: pool, at: now, timeZone: config.timeZone, model: inputs.model, health: runtime.health,
            poolState: runtime.poolState(route.pool), settings: config.health)
        let skipped = plan.skipped.map { "\($0.name): \($0.reason)" }
        var details = FailureDetails(attempts: 0, model: inputs.model, lastUpstream: nil, label: nil, streaming: inputs.streaming)

        guard !plan.ordered.isEmpty else {
            for key in plan.claimedProbes { runtime.health.releaseProbe(key) }
            var headers = HTTPFields()
            var wait: Double?
            if let opening = plan.nextOpening {
                wait = max(1, opening.timeIntervalSince(now).rounded(.up))
            } else if let end = plan.earliestCooldownEnd {
                wait = max(1, (end - runtime.health.clock.seconds()).rounded(.up))
            }
            if let wait { headers[.retryAfter] = String(Int(wait)) }
            let detail = skipped.isEmpty ? "no upstreams are configured" : skipped.joined(separator: "; ")
            details.label = "no_upstream_available"
            note(status: 503, attempts: 0, servedBy: nil, skipped: skipped, trail: [])
            return .failed(
                RelayHTTPError(
                    .serviceUnavailable, dialect: route.dialect, code: "no_upstream_available",
                    message: "No upstream in the \(route.pool.rawValue) pool can serve now (\(detail)).", headers: headers), details)
        }

        let nodes = config.retryNodes.filter { $0.format == route.pool.naturalFormat }
        let lastError = LastError()
        let dispatcher = Dispatcher(health: runtime.health, budget: runtime.budget)
        let outcome = await dispatcher.run(
            plan: plan, retryNodes: nodes, policy: ErrorPolicy(config.errorStrategies), health: config.health, retry: config.retry,
            model: inputs.model, poolState: runtime.poolState(route.pool),
            sleep: { seconds in try await Task.sleep(for: .milliseconds(Int(seconds * 1000))) },
            attempt: { context in await attempt(context, lastError: lastError) })

        switch outcome {
        case .success(let prepared, _, let attempts, let trail):
            var committed = prepared
            committed.attempts = attempts
            note(status: Int(prepared.head.status.code), attempts: attempts, servedBy: prepared.target.name, skipped: skipped, trail: trail)
            if attempts > 1 {
                inputs.logger.warning(
                    "served after failover", metadata: ["upstream": "\(prepared.target.name)", "attempts": "\(attempts)"])
            }
            return .committed(committed)
        case .cancelled(let attempts, let trail):
            note(status: 499, attempts: attempts, servedBy: nil, skipped: skipped, trail: trail)
            return .cancelled(attempts: attempts)
        case .failed(let last, let attempts, let trail, let retryAfter):
            details.attempts = attempts
            details.lastUpstream = trail.last?.upstream
            details.label = last?.label
            let error = clientError(for: last, attempts: attempts, trail: trail, retryAfter: retryAfter, quoted: lastError.value.withLock { $0 })
            note(status: error.status.code, attempts: attempts, servedBy: nil, skipped: skipped, trail: trail)
            inputs.logger.warning(
                "every attempt failed", metadata: ["attempts": "\(attempts)", "last": "\(last?.label ?? "none")", "pool": "\(route.pool.rawValue)"])
            return .failed(error, details)
        }
    }

    private func note(status: Int, attempts: Int, servedBy: String?, skipped: [String], trail: [TrailStep]) {
        runtime.recent.add(
            RecentRequests.Item(
                requestID: inputs.logger[metadataKey: "hb.request.id"].map { "\($0)" } ?? "", at: runtime.wallClock.now(),
                pool: inputs.route.pool.rawValue, model: inputs.model, status: status, attempts: attempts, servedBy: servedBy,
                skipped: skipped, trail: trail))
    }

    /// One attempt: send, then read up to the commit point.
    private func attempt(_ context: AttemptContext, lastError: LastError) async -> AttemptResult<PreparedResponse> {
        let target = context.target
        var timeouts = inputs.config.timeouts(for: inputs.route.pool)
        if context.isRetryNode { timeouts = timeouts.applying(inputs.config.timeouts.retryNodes) }
        let call = UpstreamCall(
            target: target, method: inputs.method, apiPath: inputs.route.apiPath, query: inputs.query, headers: inputs.headers,
            body: inputs.body, streaming: inputs.streaming)
        var logger = inputs.logger
        if logger.logLevel <= .debug {
            // swift-log's stream handler re-renders metadata on every change: only pay for it when it is shown.
            logger[metadataKey: "relay.upstream"] = "\(target.name)"
            logger[metadataKey: "relay.key_id"] = "\(target.keyID)"
            logger[metadataKey: "relay.attempt"] = "\(context.number)"
        }

        let response: HTTPClientResponse
        do {
            response = try await call.send(using: runtime.clients, timeouts: timeouts, logger: logger)
        } catch {
            if Task.isCancelled || error == .cancelled { return .cancelled }
            logger.debug("attempt failed", metadata: ["error": "\(error.metricLabel)"])
            return .failure(.network(Self.networkClass(error)))
        }

        let status = Int(response.status.code)
        var headerList: [(name: String, value: String)] = []
        for header in response.headers { headerList.append((header.name, header.value)) }
        if status >= 400 {
            let text = await Self.readErrorBody(response)
            lastError.value.withLock { $0 = (target.name, text) }
            let retryAfter = RetryAfter.seconds(from: headerList)
            logger.debug("attempt answered with an error", metadata: ["status": "\(status)"])
            return .failure(.status(code: status, retryAfter: retryAfter, signal: ErrorSignal.classify(text)))
        }

        let contentType = response.headers.first(name: "content-type")?.lowercased() ?? ""
        let isEventStream = contentType.hasPrefix("text/event-stream")
        var observer = UsageObserver(format: target.format, streaming: isEventStream)
        var iterator = response.body.makeAsyncIterator()
        var buffered: [ByteBuffer] = []
        // A translated request of a client that did not ask for a stream: nothing reaches that
        // client before the whole answer is converted, so the attempt reads it to the end and any
        // failure up to the last byte fails over.
        let readsWholeAnswer = inputs.converted.map { !$0.stream } ?? false
        if isEventStream, !readsWholeAnswer {
            var size = 0
            while !observer.observed.sawContentEvent, observer.observed.inBandError == nil, !observer.observed.sawTerminalEvent,
                size < Self.commitBufferLimit
            {
                let chunk: ByteBuffer?
                switch await Self.nextChunk(&iterator) {
                case .chunk(let next): chunk = next
                case .end: chunk = nil
                case .cancelled: return .cancelled
                case .failed(let failure): return .failure(failure)
                }
                guard let chunk else {
                    if buffered.isEmpty { return .failure(.network(.reset)) }
                    break
                }
                chunk.withUnsafeReadableBytes { observer.consume($0) }
                size += chunk.readableBytes
                buffered.append(chunk)
            }
            if let inBand = observer.observed.inBandError, !observer.observed.sawContentEvent {
                lastError.value.withLock { $0 = (target.name, "in-band \(inBand)") }
                logger.debug("in-band error before the first content event", metadata: ["type": "\(inBand)"])
                return .failure(.inBand(type: inBand, retryAfter: RetryAfter.seconds(from: headerList)))
            }
        }
        var wholeAnswer: CanonicalResponse?
        if readsWholeAnswer {
            switch await Self.readWholeAnswer(&iterator, isEventStream: isEventStream) {
            case .cancelled: return .cancelled
            case .failed(let failure): return .failure(failure)
            case .read(let chunks, let answer):
                buffered = chunks
                wholeAnswer = answer
            }
        }
        return .success(
            PreparedResponse(
                head: response, target: target, attempts: context.number, model: inputs.model, streaming: inputs.streaming,
                isEventStream: isEventStream, buffered: buffered, observer: observer, iterator: BodyIterator(iterator),
                converted: inputs.converted, wholeAnswer: wholeAnswer))
    }

    enum NextChunk {
        case chunk(ByteBuffer)
        case end
        case cancelled
        case failed(AttemptFailure)
    }

    /// The next body chunk before the commit point, a read error already classified for the
    /// attempt loop (a cancelled client is not an upstream failure).
    static func nextChunk(_ iterator: inout HTTPClientResponse.Body.AsyncIterator) async -> NextChunk {
        do {
            guard let chunk = try await iterator.next() else { return .end }
            return .chunk(chunk)
        } catch {
            if Task.isCancelled { return .cancelled }
            let failure = UpstreamError.classify(error, afterHead: true)
            if failure == .cancelled { return .cancelled }
            return .failed(.network(networkClass(failure)))
        }
    }

    enum WholeAnswer {
        case read([ByteBuffer], CanonicalResponse?)
        case failed(AttemptFailure)
        case cancelled
    }

    /// Reads a translated answer for a non-streaming Chat client to its end, inside the attempt.
    ///
    /// The upstream is asked for a stream even so (PROTOCOLS.md §5: pings keep a long generation's
    /// connection alive where a silent non-streaming request can be dropped by a proxy or hit the
    /// head timeout), and its events are accumulated here. A stream that ends without its terminal
    /// event, an in-band error at any point, or a JSON answer that breaks off or is not an object
    /// fails over to the next candidate like a failed status would, instead of becoming a 502:
    /// the client has seen nothing yet.
    static func readWholeAnswer(_ iterator: inout HTTPClientResponse.Body.AsyncIterator, isEventStream: Bool) async -> WholeAnswer {
        var chunks: [ByteBuffer] = []
        var size = 0
        var parser = SSEParser()
        var accumulator = AnthropicStreamAccumulator()
        while isEventStream || size < wholeAnswerLimit {
            let chunk: ByteBuffer?
            switch await nextChunk(&iterator) {
            case .chunk(let next): chunk = next
            case .end: chunk = nil
            case .cancelled: return .cancelled
            case .failed(let failure): return .failed(failure)
            }
            guard let chunk else {
                if isEventStream {
                    for event in parser.finish() { accumulator.consume(event) }
                    if let error = accumulator.error { return .failed(.inBand(type: error.type, retryAfter: nil)) }
                    guard accumulator.sawTerminal else { return .failed(.network(.reset)) }
                    return .read([], accumulator.response)
                }
                var whole = ByteBuffer()
                if chunks.count == 1, let only = chunks.first {
                    whole = only
                } else {
                    whole.reserveCapacity(size)
                    for piece in chunks { whole.writeImmutableBuffer(piece) }
                }
                guard let answer = try? whole.withUnsafeReadableBytes({ try JSONValue.parse($0) }), answer.objectValue != nil else {
                    return .failed(.network(.reset))
                }
                return .read([], AnthropicResponseDecoder.decode(answer))
            }
            if isEventStream {
                for event in chunk.withUnsafeReadableBytes({ parser.feed($0) }) { accumulator.consume(event) }
                // An in-band error before the end: no point reading on.
                if let error = accumulator.error { return .failed(.inBand(type: error.type, retryAfter: nil)) }
            } else {
                size += chunk.readableBytes
                chunks.append(chunk)
            }
        }
        return .read(chunks, nil)
    }

    static func networkClass(_ error: UpstreamError) -> NetworkErrorClass {
        switch error {
        case .connectFailed, .misconfigured: .connectError
        case .connectTimeout: .connectTimeout
        case .firstByteTimeout: .firstByteTimeout
        case .idleTimeout: .idleTimeout
        case .reset, .cancelled: .reset
        }
    }

    /// Reads at most `errorBodyLimit` bytes of an error body, as text.
    static func readErrorBody(_ response: HTTPClientResponse) async -> String {
        var collected = ByteBuffer()
        do {
            for try await chunk in response.body {
                var chunk = chunk
                let room = errorBodyLimit - collected.readableBytes
                if room <= 0 { break }
                if chunk.readableBytes > room { chunk = chunk.getSlice(at: chunk.readerIndex, length: room) ?? chunk }
                collected.writeImmutableBuffer(chunk)
            }
        } catch {}
        return String(buffer: collected)
    }

    /// The one clean error the client gets when no attempt succeeded: its dialect, a request id,
    /// `Retry-After` when known, and never an upstream key, URL or raw body — only the upstream's
    /// own error message for requests that are the client's fault (400-class, never failed over).
    func clientError(
        for last: AttemptFailure?, attempts: Int, trail: [TrailStep], retryAfter: Double?, quoted: (upstream: String, body: String)?
    ) -> RelayHTTPError {
        let route = inputs.route
        var headers = HTTPFields()
        if let retryAfter { headers[.retryAfter] = String(Int(max(1, retryAfter.rounded(.up)))) }
        let summary = trail.map { step in "\(step.upstream): \(step.outcome)" }.joined(separator: "; ")
        let tried = "after \(attempts) attempt\(attempts == 1 ? "" : "s") (\(summary))"
        guard let last else {
            return RelayHTTPError(.badGateway, dialect: route.dialect, code: "upstream_error", message: "No upstream could be reached \(tried).", headers: headers)
        }
        switch last {
        case .status(let code, _, let signal):
            if (400..<500).contains(code), code != 401, code != 403, code != 402, code != 429, code != 408, code != 409 {
                let message = quoted.flatMap { Self.upstreamMessage($0.body) } ?? "The upstream rejected the request (\(code))."
                return RelayHTTPError(.init(code: code), dialect: route.dialect, code: "upstream_\(code)", message: message, headers: headers)
            }
            if code == 429 {
                return RelayHTTPError(
                    .tooManyRequests, dialect: route.dialect, code: "rate_limited",
                    message: "Every upstream is rate limited \(tried).", headers: headers)
            }
            if code == 401 || code == 403 || code == 402 || signal == .quotaExhausted {
                if let name = HTTPField.Name("x-should-retry") { headers[name] = "false" }
                return RelayHTTPError(
                    .serviceUnavailable, dialect: route.dialect, code: "upstream_keys_rejected",
                    message: "The upstream rejected its key or has no credit; it is disabled until re-enabled \(tried).", headers: headers)
            }
            if code == 529 || signal == .overloaded {
                // Claude Code backs off and retries a 529 overloaded_error; Codex does the same for a
                // 503 with code server_is_overloaded.
                let status: HTTPResponse.Status = route.dialect == .anthropic ? .init(code: 529) : .serviceUnavailable
                return RelayHTTPError(
                    status, dialect: route.dialect, code: route.dialect == .anthropic ? "overloaded_error" : "server_is_overloaded",
                    message: "The upstreams are overloaded \(tried).", headers: headers)
            }
            if code == 504 || code == 524 {
                return RelayHTTPError(.gatewayTimeout, dialect: route.dialect, code: "upstream_timeout", message: "The upstream timed out \(tried).", headers: headers)
            }
            return RelayHTTPError(.badGateway, dialect: route.dialect, code: "upstream_error", message: "The upstream failed \(tried).", headers: headers)
        case .network(let kind):
            if kind == .firstByteTimeout || kind == .idleTimeout || kind == .connectTimeout {
                return RelayHTTPError(.gatewayTimeout, dialect: route.dialect, code: "upstream_timeout", message: "The upstream timed out \(tried).", headers: headers)
            }
            return RelayHTTPError(.badGateway, dialect: route.dialect, code: "upstream_unreachable", message: "No upstream could be reached \(tried).", headers: headers)
        case .inBand(let type, _):
            let status: HTTPResponse.Status = type.contains("overloaded") ? .serviceUnavailable : .badGateway
            return RelayHTTPError(status, dialect: route.dialect, code: "upstream_\(type)", message: "The upstream stream failed before any content \(tried).", headers: headers)
        }
    }

    /// The `error.message` of an Anthropic or OpenAI error body, shortened and with anything that
    /// looks like a key or URL removed.
    static func upstreamMessage(_ body: String) -> String? {
        guard let json = try? JSONValue.parse(body), let message = json["error"]?["message"]?.stringValue ?? json["message"]?.stringValue else {
            return nil
        }
        var cleaned = ""
        for word in message.split(separator: " ", omittingEmptySubsequences: false) {
            let lowered = word.lowercased()
            if lowered.hasPrefix("sk-") || lowered.hasPrefix("cr_") || lowered.contains("://") || word.count >= 32 {
                cleaned += cleaned.isEmpty ? "[redacted]" : " [redacted]"
            } else {
                cleaned += cleaned.isEmpty ? String(word) : " " + word
            }
        }
        return String(cleaned.prefix(600))
    }
}
