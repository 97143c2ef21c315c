public import AsyncHTTPClient
import Logging
public import NIOCore
import NIOHTTP1
public import RelayConfig
public import RelayCore

/// One request to one upstream, fully described before it is sent (so it can be re-sent).
public struct UpstreamCall: Sendable {
    public var target: UpstreamTarget
    public var method: String
    /// Path under the upstream's API base, e.g. `/v1/messages` (anthropic) or `/responses`.
    public var apiPath: String
    /// Raw query string without `?`, kept as the client sent it (`beta=true`).
    public var query: String?
    public var headers: [(name: String, value: String)]
    public var body: ByteBuffer?
    public var streaming: Bool

    public init(
        target: UpstreamTarget, method: String, apiPath: String, query: String?, headers: [(name: String, value: String)],
        body: ByteBuffer?, streaming: Bool
    ) {
        self.target = target
        self.method = method
        self.apiPath = apiPath
        self.query = query
        self.headers = headers
        self.body = body
        self.streaming = streaming
    }

    /// `origin + base path + api path + ?query`.
    public var url: String {
        var url = target.baseURL.origin + target.baseURL.path + apiPath
        if let query, !query.isEmpty { url += "?" + query }
        return url
    }

    /// Sends the request and returns once response headers arrived.
    ///
    /// The deadline covers connect plus waiting for headers: the first-byte timeout for streams,
    /// the total timeout for non-streaming calls (whose headers come with the whole answer).
    /// Cancelling the calling task cancels the upstream request.
    public func send(using clients: UpstreamClients, timeouts: Timeouts, logger: Logger) async throws(UpstreamError) -> HTTPClientResponse {
        let client = try clients.client(for: target, timeouts: timeouts)
        var request = HTTPClientRequest(url: url)
        request.method = HTTPMethod(rawValue: method)
        for header in headers { request.headers.add(name: header.name, value: header.value) }
        switch target.auth {
        case .bearer: request.headers.replaceOrAdd(name: "authorization", value: "Bearer \(target.key)")
        case .xAPIKey: request.headers.replaceOrAdd(name: "x-api-key", value: target.key)
        }
        request.headers.replaceOrAdd(name: "accept-encoding", value: "identity")
        if let body {
            request.body = .bytes(body)
            if !request.headers.contains(name: "content-type") { request.headers.add(name: "content-type", value: "application/json") }
        }
        let wait = streaming ? timeouts.firstByte : max(timeouts.firstByte, timeouts.total)
        do {
            return try await client.execute(request, timeout: .milliseconds(Int64(wait * 1000)), logger: logger)
        } catch {
            throw UpstreamError.classify(error, afterHead: false)
        }
    }
}
