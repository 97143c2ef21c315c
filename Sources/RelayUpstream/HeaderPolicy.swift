import Foundation

/// Which client headers travel upstream and which upstream headers travel back.
///
/// Client credentials never reach an upstream (the upstream gets its configured key), hop-by-hop
/// headers and every header named in `Connection` are dropped, and `Accept-Encoding` is replaced
/// by `identity` so the relay can read usage from the stream it passes through. Everything else
/// the clients send (`anthropic-beta`, `x-claude-code-session-id`, Codex's `session_id`,
/// `x-codex-turn-state`, …) is forwarded unchanged, underscores included.
public enum HeaderPolicy {
    static let hopByHop: Set<String> = [
        "connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade",
    ]
    static let neverForward: Set<String> = [
        "host", "content-length", "authorization", "x-api-key", "api-key", "anthropic-api-key", "proxy-authorization",
        "proxy-authenticate", "cookie", "accept-encoding", "forwarded", "x-forwarded-for", "x-forwarded-host",
        "x-forwarded-proto", "x-real-ip", "expect",
    ]
    static let neverReturn: Set<String> = [
        "set-cookie", "content-length", "www-authenticate", "proxy-authenticate", "alt-svc", "strict-transport-security",
    ]

    /// Client headers to send upstream, in their original order and spelling.
    public static func upstreamHeaders(from client: [(name: String, value: String)]) -> [(name: String, value: String)] {
        var connectionNamed: Set<String> = []
        for header in client where header.name.lowercased() == "connection" {
            for token in header.value.split(separator: ",") {
                connectionNamed.insert(token.trimmingCharacters(in: .whitespaces).lowercased())
            }
        }
        return client.filter { header in
            let name = header.name.lowercased()
            return !hopByHop.contains(name) && !neverForward.contains(name) && !connectionNamed.contains(name)
        }
    }

    /// Upstream response headers to return to the client.
    public static func clientHeaders(from upstream: [(name: String, value: String)]) -> [(name: String, value: String)] {
        var connectionNamed: Set<String> = []
        for header in upstream where header.name.lowercased() == "connection" {
            for token in header.value.split(separator: ",") {
                connectionNamed.insert(token.trimmingCharacters(in: .whitespaces).lowercased())
            }
        }
        return upstream.filter { header in
            let name = header.name.lowercased()
            return !hopByHop.contains(name) && !neverReturn.contains(name) && !connectionNamed.contains(name)
        }
    }
}
