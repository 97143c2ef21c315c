import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// Routes every request of a ``FakeUpstream``: records it, applies the `x-fake-*` controls, and
/// answers in the dialect of the route.
struct FakeResponder: HTTPResponder {
    typealias Context = FakeRequestContext

    /// Largest body the fake accepts (large-body tests send tens of MB).
    static let maxBodyBytes = 1 << 30

    let state: FakeUpstreamState

    private enum Route {
        case messages, countTokens, models, responses, notFound

        var dialect: FakeDialect {
            switch self {
            case .responses: .openAI
            default: .anthropic
            }
        }
    }

    func respond(to request: Request, context: FakeRequestContext) async throws -> Response {
        let target = request.head.path ?? "/"
        let path: String
        let query: String?
        if let mark = target.firstIndex(of: "?") {
            path = String(target[..<mark])
            query = String(target[target.index(after: mark)...])
        } else {
            path = target
            query = nil
        }
        if path.hasPrefix("/_fake/") {
            return try control(method: request.method, path: path)
        }

        let sequence = state.arrived()
        let requestID = "req_fake_\(sequence)"
        var controlHeaders = request.headers
        for (name, value) in state.defaults {
            if let field = HTTPField.Name(name), controlHeaders[field] == nil { controlHeaders[field] = value }
        }
        if let status = state.randomFailure(), let field = HTTPField.Name("x-fake-status") { controlHeaders[field] = String(status) }
        let controls = FakeControls(controlHeaders)
        let route = Self.route(method: request.method, path: path)

        if controls.fast && route == .messages {
            if state.recording {
                let body = try await collect(request)
                state.record(Self.recorded(request, path: path, query: query, body: body, http2: context.channel.parent?.parent != nil))
            }
            state.completed()
            return Self.json(200, Self.fastMessage, headers: [("request-id", requestID)])
        }

        let body: [UInt8]
        do {
            body = try await collect(request)
        } catch let error as HTTPError where error.status == .contentTooLarge {
            state.completed()
            let dialect = Self.guessDialect(path)
            return Self.json(
                413,
                dialect.errorBody(status: 413, message: "request body too large", requestID: requestID),
                headers: [(dialect.requestIDHeader, requestID)]
            )
        } catch {
            // The client went away while sending its body.
            state.cancelled()
            throw error
        }
        state.record(Self.recorded(request, path: path, query: query, body: body, http2: context.channel.parent?.parent != nil))

        if route == .notFound {
            return notFound(method: request.method, path: path, requestID: requestID)
        }

        let dialect = route.dialect
        var headers: [(String, String)] = [(dialect.requestIDHeader, requestID)]

        if controls.hang || controls.firstByteDelayMilliseconds > 0 {
            let watcher = try await DisconnectWatcher.watcher(for: context.channel)
            do {
                try await watcher.sleep(milliseconds: controls.hang ? nil : controls.firstByteDelayMilliseconds)
            } catch {
                state.cancelled()
                throw error
            }
        }

        if let status = controls.status, status != 200 {
            if let retryAfter = controls.retryAfter {
                headers.append(("retry-after", retryAfter))
            }
            if status == 429 || status >= 500 {
                headers.append(("x-should-retry", "true"))
            }
            state.completed()
            return Self.json(status, dialect.errorBody(status: status, message: "fake", requestID: requestID), headers: headers)
        }

        switch route {
        case .countTokens:
            state.completed()
            return Self.json(200, ["input_tokens": 42], headers: headers)
        case .models:
            state.completed()
            return Self.json(200, Self.modelList, headers: headers)
        case .messages, .responses:
            let json = controls.echo ? nil : FakeJSON.parse(body)
            if !controls.echo && !(json?.isObject ?? false) {
                state.completed()
                return Self.json(
                    400,
                    dialect.errorBody(status: 400, message: "request body is not a JSON object", requestID: requestID),
                    headers: headers
                )
            }
            let streaming = json?["stream"]?.boolValue ?? false
            if route == .messages {
                let answer = AnthropicAnswer(request: json, bodyLength: body.count, controls: controls, sequence: sequence)
                guard streaming else {
                    state.completed()
                    if controls.cutBody { return Self.cut(answer.message, headers: headers) }
                    return Self.json(200, answer.message, headers: headers)
                }
                return try await stream(context: context, controls: controls, headers: headers) { emitter, writer in
                    try await answer.stream(
                        with: &emitter, to: &writer, midstreamError: controls.midstreamError, earlyError: controls.earlyError, cut: controls.cutBody)
                }
            } else {
                let answer = ResponsesAnswer(request: json, bodyLength: body.count, controls: controls, sequence: sequence)
                guard streaming else {
                    state.completed()
                    return Self.json(200, answer.completedResponse, headers: headers)
                }
                return try await stream(context: context, controls: controls, headers: headers) { emitter, writer in
                    try await answer.stream(with: &emitter, to: &writer, midstreamError: controls.midstreamError, earlyError: controls.earlyError)
                }
            }
        case .notFound:
            return notFound(method: request.method, path: path, requestID: requestID)
        }
    }

    private func notFound(method: HTTPRequest.Method, path: String, requestID: String) -> Response {
        state.completed()
        let dialect = Self.guessDialect(path)
        return Self.json(
            404,
            dialect.errorBody(status: 404, message: "FakeUpstream has no route \(method.rawValue) \(path)", requestID: requestID),
            headers: [(dialect.requestIDHeader, requestID)]
        )
    }

    // MARK: Streaming

    private func stream(
        context: FakeRequestContext,
        controls: FakeControls,
        headers: [(String, String)],
        events: @escaping @Sendable (inout SSEEmitter, inout any ResponseBodyWriter) async throws -> Void
    ) async throws -> Response {
        let watcher = try await DisconnectWatcher.watcher(for: context.channel)
        let state = self.state
        let interval = controls.intervalMilliseconds
        let fields = Self.fields(headers + [("content-type", "text/event-stream"), ("cache-control", "no-cache")])
        return Response(
            status: .ok,
            headers: fields,
            body: ResponseBody { writer in
                var emitter = SSEEmitter(watcher: watcher, intervalMilliseconds: interval)
                do {
                    try await events(&emitter, &writer)
                } catch {
                    state.cancelled()
                    throw error
                }
                state.completed()
                try await writer.finish(nil)
            }
        )
    }

    // MARK: Control endpoints

    private func control(method: HTTPRequest.Method, path: String) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        switch (method, path) {
        case (.get, "/_fake/requests"):
            return Self.raw(200, try encoder.encode(state.requests))
        case (.get, "/_fake/stats"):
            return Self.raw(200, try encoder.encode(state.stats))
        case (.post, "/_fake/reset"):
            state.reset()
            return Self.json(200, ["ok": true], headers: [])
        default:
            return Self.json(
                404,
                FakeDialect.anthropic.errorBody(status: 404, message: "unknown control endpoint", requestID: "req_fake_control"),
                headers: []
            )
        }
    }

    // MARK: Helpers

    private func collect(_ request: Request) async throws -> [UInt8] {
        var request = request
        let buffer = try await request.collectBody(upTo: Self.maxBodyBytes)
        return Array(buffer: buffer)
    }

    private static func route(method: HTTPRequest.Method, path: String) -> Route {
        switch (method, path) {
        case (.post, "/v1/messages"): .messages
        case (.post, "/v1/messages/count_tokens"): .countTokens
        case (.get, "/v1/models"): .models
        case (.post, "/v1/responses"), (.post, "/responses"): .responses
        default: .notFound
        }
    }

    private static func guessDialect(_ path: String) -> FakeDialect {
        let openAIMarkers = ["responses", "chat", "completions", "embeddings"]
        return openAIMarkers.contains { path.contains($0) } ? .openAI : .anthropic
    }

    /// - Parameter http2: the request came on an HTTP/2 stream (a child of the connection channel).
    private static func recorded(_ request: Request, path: String, query: String?, body: [UInt8], http2: Bool) -> RecordedRequest {
        var headers: [[String]] = []
        headers.reserveCapacity(request.headers.count + 1)
        if let authority = request.head.authority {
            headers.append(["host", authority])
        }
        if http2 {
            headers.append([":http-version", "2"])
        }
        for field in request.headers {
            headers.append([field.name.rawName, field.value])
        }
        return RecordedRequest(method: request.method.rawValue, path: path, query: query, headers: headers, body: body)
    }

    static func fields(_ pairs: [(String, String)]) -> HTTPFields {
        var fields = HTTPFields()
        for (name, value) in pairs {
            if let fieldName = HTTPField.Name(name) {
                fields.append(HTTPField(name: fieldName, value: value))
            }
        }
        return fields
    }

    static func json(_ status: Int, _ body: FakeJSON, headers: [(String, String)]) -> Response {
        Response(
            status: status == 529 ? HTTPResponse.Status(code: 529, reasonPhrase: "Site Overloaded") : HTTPResponse.Status(code: status),
            headers: fields(headers + [("content-type", "application/json")]),
            body: ResponseBody(byteBuffer: ByteBuffer(string: body.serialized))
        )
    }

    struct CutBody: Error {}

    /// `x-fake-cut-body`: the head announces the whole body, half of it is sent, then the
    /// connection closes. (A Messages stream breaks after its first text delta instead.)
    static func cut(_ body: FakeJSON, headers: [(String, String)]) -> Response {
        let whole = ByteBuffer(string: body.serialized)
        let half = whole.getSlice(at: whole.readerIndex, length: whole.readableBytes / 2) ?? whole
        return Response(
            status: .ok,
            headers: fields(headers + [("content-type", "application/json"), ("content-length", String(whole.readableBytes))]),
            body: ResponseBody { writer in
                try await writer.write(half)
                throw CutBody()
            }
        )
    }

    private static func raw(_ status: Int, _ data: Data) -> Response {
        Response(
            status: HTTPResponse.Status(code: status),
            headers: fields([("content-type", "application/json")]),
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: data))
        )
    }

    static let modelList: FakeJSON = [
        "data": [["type": "model", "id": "claude-fake-1", "display_name": "Fake", "created_at": "2025-01-01T00:00:00Z"]],
        "has_more": false,
        "first_id": "claude-fake-1",
        "last_id": "claude-fake-1",
    ]

    static let fastMessage: FakeJSON = [
        "id": "msg_fake_fast",
        "type": "message",
        "role": "assistant",
        "model": "claude-fake-1",
        "content": [["type": "text", "text": "ok"]],
        "stop_reason": "end_turn",
        "stop_sequence": nil,
        "usage": ["input_tokens": 1, "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0, "output_tokens": 1],
    ]
}
