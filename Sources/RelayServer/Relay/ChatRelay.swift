import AsyncHTTPClient
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import NIOHTTP1
import RelayConfig
import RelayCore
import RelayRouting
import RelayUpstream

/// OpenAI Chat Completions served from Anthropic upstreams: the request is translated through
/// the canonical model, the attempt loop runs exactly as for pass-through (same failover and
/// commit point, on the Anthropic stream), and the answer is translated back — event by event
/// for streams, whole for non-streaming clients.
enum ChatRelay {
    /// Converts the client's body; a request Anthropic cannot express is a 400 in OpenAI's format.
    static func convert(_ body: ByteBuffer, config: RuntimeConfig) -> Result<ConvertedRequest, RelayHTTPError> {
        let json: JSONValue
        do {
            json = try body.withUnsafeReadableBytes { try JSONValue.parse($0) }
        } catch {
            return .failure(
                RelayHTTPError(.badRequest, dialect: .openAI, code: "invalid_json", message: "The request body is not valid JSON: \(error)."))
        }
        let matcher = config.modelMatcher(for: .openai)
        let options = ChatConversionOptions(renameModel: { matcher.target(for: $0) })
        do {
            // The upstream is asked for a stream even for a client that did not ask for one; the
            // attempt reads it to the end (RelayAttempts.readWholeAnswer), so failover still
            // covers everything up to the last byte.
            return .success(try ChatToAnthropic.convert(json, options: options))
        } catch {
            let message = error.param.map { "\(error.message) (\($0))" } ?? error.message
            return .failure(RelayHTTPError(.init(code: error.status), dialect: .openAI, code: error.code, message: message))
        }
    }

    /// Upstream headers for a translated request: Anthropic's version header and nothing of the
    /// OpenAI client's own (its `x-stainless-*`, `openai-*` mean nothing to Anthropic).
    static func upstreamHeaders(from client: [(name: String, value: String)]) -> [(name: String, value: String)] {
        var headers: [(name: String, value: String)] = [("anthropic-version", "2023-06-01"), ("content-type", "application/json")]
        if let agent = client.first(where: { $0.name.lowercased() == "user-agent" }) { headers.append(("user-agent", agent.value)) }
        return headers
    }

    /// A non-streaming Chat client: the upstream streamed (PROTOCOLS.md §5) and the attempt loop
    /// read and accumulated the whole answer (``PreparedResponse/wholeAnswer``); it is converted
    /// once. A JSON answer over ``RelayAttempts/wholeAnswerLimit`` is collected here instead. Runs
    /// before the response head, so a broken upstream answer becomes a proper 502 rather than a
    /// 200 with an error body.
    static func complete(
        _ prepared: PreparedResponse, converted: ConvertedRequest, record initial: RequestRecord, started: ContinuousClock.Instant,
        requestID: String, runtime: RelayRuntime
    ) async -> (status: Int, body: JSONValue, record: RequestRecord) {
        var record = initial
        let created = Int(runtime.wallClock.now().timeIntervalSince1970)
        let completionID = "chatcmpl-" + requestID
        if let response = prepared.wholeAnswer {
            // Read whole in the attempt; usage and model come from the same answer.
            record.usage = response.usage
            record.servedModel = response.model
            record.timeToFirstByteSeconds = RelayService.seconds(since: started)
            record.durationSeconds = RelayService.seconds(since: started)
            record.status = 200
            return (200, AnthropicToChat.completion(response, context: converted.responseContext, id: completionID, created: created), record)
        }
        var collected = ByteBuffer()
        var observer = prepared.observer
        var parser = SSEParser()
        var accumulator = AnthropicStreamAccumulator()
        func take(_ chunk: ByteBuffer) {
            if prepared.isEventStream {
                for event in chunk.withUnsafeReadableBytes({ parser.feed($0) }) { accumulator.consume(event) }
            } else {
                collected.writeImmutableBuffer(chunk)
                chunk.withUnsafeReadableBytes { observer.consume($0) }
            }
        }
        for chunk in prepared.buffered { take(chunk) }
        do {
            while let chunk = try await prepared.iterator.next() { take(chunk) }
        } catch {
            record.errorLabel = UpstreamError.classify(error, afterHead: true).metricLabel
        }
        var output: JSONValue?
        if prepared.isEventStream {
            for event in parser.finish() { accumulator.consume(event) }
            record.usage = accumulator.usage
            record.servedModel = accumulator.response.model
            if let error = accumulator.error {
                record.errorLabel = record.errorLabel ?? "in_band_\(error.type)"
            } else if record.errorLabel == nil, accumulator.sawTerminal {
                output = AnthropicToChat.completion(accumulator.response, context: converted.responseContext, id: completionID, created: created)
            }
        } else {
            observer.finish()
            record.usage = observer.observed.usage
            record.servedModel = observer.observed.servedModel
            if record.errorLabel == nil, let message = try? collected.withUnsafeReadableBytes({ try JSONValue.parse($0) }) {
                output = AnthropicToChat.completion(message, context: converted.responseContext, id: completionID, created: created)
            }
        }
        record.timeToFirstByteSeconds = RelayService.seconds(since: started)
        record.durationSeconds = RelayService.seconds(since: started)
        guard let output else {
            record.status = 502
            record.partial = true
            record.errorLabel = record.errorLabel ?? "incomplete_answer"
            if record.errorLabel?.hasPrefix("after_commit") == false {
                runtime.health.recordFailure(
                    prepared.target.healthKey, effect: .countFailure, label: "after_commit_\(record.errorLabel ?? "incomplete")", retryAfter: nil,
                    settings: runtime.configs.snapshot.health)
            }
            let body: JSONValue = [
                "error": [
                    "message": "The upstream answer broke off before it was complete; retry the request.", "type": "server_error",
                    "code": "upstream_error", "param": nil, "request_id": .string(requestID),
                ]
            ]
            return (502, body, record)
        }
        record.status = 200
        return (200, output, record)
    }

    /// Phase 2 for a streaming Chat client: the translated stream, event by event.
    static func response(
        _ prepared: PreparedResponse, converted: ConvertedRequest, record initial: RequestRecord, started: ContinuousClock.Instant,
        requestID: String, runtime: RelayRuntime
    ) -> Response {
        var base = initial
        base.status = Int(prepared.head.status.code)
        let startRecord = base
        let created = Int(runtime.wallClock.now().timeIntervalSince1970)
        let completionID = "chatcmpl-" + requestID
        var headers = HTTPFields()
        if let name = HTTPField.Name("x-switchyard-request-id") { headers[name] = requestID }
        let sink = runtime.sink
        let metrics = runtime.metrics
        let health = runtime.health
        let healthKey = prepared.target.healthKey

        headers[.contentType] = "text/event-stream"
        headers[.cacheControl] = "no-cache"
        let body = ResponseBody { writer in
            metrics.streamStarted()
            defer { metrics.streamFinished() }
            var record = startRecord
            var translator = AnthropicToChatStream(context: converted.responseContext, id: completionID, created: created)
            var parser = SSEParser()
            var clientGone = false
            var recorded = false

            func emit(_ frames: [String]) async -> Bool {
                guard !frames.isEmpty else { return true }
                if record.timeToFirstByteSeconds == nil { record.timeToFirstByteSeconds = RelayService.seconds(since: started) }
                do {
                    try await writer.write(ByteBuffer(string: frames.joined()))
                    return true
                } catch {
                    return false
                }
            }

            /// Durable before the client sees the end of the answer.
            func recordIfComplete() async {
                guard translator.sawTerminal, !recorded else { return }
                var final = record
                final.usage = translator.usage
                final.servedModel = translator.servedModel
                final.durationSeconds = RelayService.seconds(since: started)
                await runtime.recordDurably(final)
                recorded = true
            }

            for chunk in prepared.buffered where !clientGone {
                var frames: [String] = []
                for event in chunk.withUnsafeReadableBytes({ parser.feed($0) }) { frames += translator.consume(event) }
                await recordIfComplete()
                clientGone = !(await emit(frames))
            }
            while !clientGone {
                let chunk: ByteBuffer?
                do {
                    chunk = try await prepared.iterator.next()
                } catch {
                    let failure = UpstreamError.classify(error, afterHead: true)
                    record.errorLabel = failure.metricLabel
                    if failure != .cancelled {
                        health.recordFailure(
                            healthKey, effect: .countFailure, label: "after_commit_\(failure.metricLabel)", retryAfter: nil,
                            settings: runtime.configs.snapshot.health)
                    }
                    _ = await emit(translator.fail(message: "The upstream stream broke: \(failure.description)."))
                    break
                }
                guard let chunk else {
                    var frames: [String] = []
                    for event in parser.finish() { frames += translator.consume(event) }
                    frames += translator.finish()
                    await recordIfComplete()
                    clientGone = !(await emit(frames))
                    break
                }
                var frames: [String] = []
                for event in chunk.withUnsafeReadableBytes({ parser.feed($0) }) { frames += translator.consume(event) }
                await recordIfComplete()
                clientGone = !(await emit(frames))
            }
            if clientGone {
                record.clientCancelled = true
                record.errorLabel = "client_cancelled"
            }
            record.usage = translator.usage
            record.servedModel = translator.servedModel
            record.partial = !translator.sawTerminal
            if let type = translator.upstreamErrorType, record.errorLabel == nil { record.errorLabel = "in_band_\(type)" }
            record.durationSeconds = RelayService.seconds(since: started)
            if !recorded {
                // Not complete (or it broke off): still durable before the response ends, unless
                // nobody is listening any more.
                if clientGone { sink.record(record) } else { await runtime.recordDurably(record) }
            }
            if !clientGone { try? await writer.finish(nil) }
        }
        return Response(status: .ok, headers: headers, body: body)
    }
}

extension ChatRelay {
    /// `GET /v1/models` for OpenAI SDK clients: what the openai pool can serve, in OpenAI's shape —
    /// the first eligible upstream's models (asked live, each also as `<id>-thinking`) and every
    /// exact model-rule source.
    static func models(runtime: RelayRuntime, logger: Logger) async -> Response {
        let config = runtime.configs.snapshot
        var ids: [String] = []
        let plan = UpstreamSelector.candidates(in: config.upstreams(in: .openai), at: runtime.wallClock.now(), timeZone: config.timeZone)
        if let target = plan.first {
            let call = UpstreamCall(
                target: target, method: "GET", apiPath: "/v1/models", query: "limit=100", headers: [("anthropic-version", "2023-06-01")], body: nil,
                streaming: false)
            if let response = try? await call.send(using: runtime.clients, timeouts: config.timeouts(for: .openai), logger: logger),
                response.status.code == 200, let body = try? await response.body.collect(upTo: 4 << 20),
                let json = try? body.withUnsafeReadableBytes({ try JSONValue.parse($0) })
            {
                for model in json["data"]?.arrayValue ?? [] {
                    if let id = model["id"]?.stringValue { ids += [id, id + "-thinking"] }
                }
            }
        }
        for rule in config.file.modelRules where rule.enabled && rule.match == .exact { ids.append(rule.source) }
        var seen: Set<String> = []
        let created = Int(runtime.wallClock.now().timeIntervalSince1970)
        let data: [JSONValue] = ids.filter { seen.insert($0).inserted }.map { id in
            ["id": .string(id), "object": "model", "created": .number(Double(created)), "owned_by": "switchyard"]
        }
        let body: JSONValue = ["object": "list", "data": .array(data)]
        return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: body.compactUTF8())))
    }
}
