/// One request as the ``FakeUpstream`` received it, kept so tests can assert on what the relay sent.
///
/// Header names keep the spelling and order they had on the wire (`session_id` stays `session_id`,
/// `X-Api-Key` stays `X-Api-Key`). The one exception is `Host`: the HTTP stack turns it into the
/// request authority, so it is recorded first under the name `host`. Hop-by-hop headers
/// (`Connection`, `Keep-Alive`, `TE`, `Proxy-*`) are recorded like any other, so tests can check
/// the relay strips them.
///
/// As JSON (the `GET /_fake/requests` endpoint, and `Codable`), `body` is the body decoded as UTF-8
/// (invalid sequences replaced), `headers` an array of `[name, value]` pairs.
public struct RecordedRequest: Sendable, Codable, Equatable {
    /// HTTP method, for example `POST`.
    public var method: String
    /// Path without the query string, for example `/v1/messages`.
    public var path: String
    /// The raw query string after `?` (not decoded), or `nil` when the target had no `?`.
    public var query: String?
    /// `[name, value]` pairs in the order received.
    public var headers: [[String]]
    /// The complete request body.
    public var body: [UInt8]

    /// Creates a record; tests rarely need this (the fake builds them).
    public init(method: String, path: String, query: String?, headers: [[String]], body: [UInt8]) {
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body
    }

    /// The body decoded as UTF-8, invalid sequences replaced.
    public var bodyText: String { String(decoding: body, as: UTF8.self) }

    /// The first value of a header, compared case-insensitively (`header("SESSION_ID")` finds
    /// `session_id`); `nil` when absent.
    public func header(_ name: String) -> String? {
        let wanted = name.lowercased()
        for pair in headers where pair.count == 2 && pair[0].lowercased() == wanted {
            return pair[1]
        }
        return nil
    }

    /// Every value of a header, case-insensitive name match, in order received.
    public func headerValues(_ name: String) -> [String] {
        let wanted = name.lowercased()
        return headers.compactMap { pair in
            pair.count == 2 && pair[0].lowercased() == wanted ? pair[1] : nil
        }
    }

    /// The header names exactly as received, in order.
    public var headerNames: [String] { headers.compactMap(\.first) }

    private enum CodingKeys: String, CodingKey {
        case method, path, query, headers, body
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.method = try container.decode(String.self, forKey: .method)
        self.path = try container.decode(String.self, forKey: .path)
        self.query = try container.decodeIfPresent(String.self, forKey: .query)
        self.headers = try container.decode([[String]].self, forKey: .headers)
        self.body = Array(try container.decode(String.self, forKey: .body).utf8)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(method, forKey: .method)
        try container.encode(path, forKey: .path)
        try container.encode(query, forKey: .query)
        try container.encode(headers, forKey: .headers)
        try container.encode(bodyText, forKey: .body)
    }
}
