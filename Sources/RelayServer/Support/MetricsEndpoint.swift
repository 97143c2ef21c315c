public import Hummingbird
import NIOCore

/// Access rule of `GET /metrics`: with `server.metrics_token`, a matching Bearer token; without
/// one, loopback peers only (so binding to a LAN address does not publish the metrics).
public enum MetricsEndpoint {
    public static func authorize(_ request: Request, context: RelayRequestContext, token: String?) throws {
        if let token, !token.isEmpty {
            let presented = request.headers[.authorization].flatMap { value -> String? in
                let parts = value.split(separator: " ", maxSplits: 1)
                return parts.count == 2 && parts[0].lowercased() == "bearer" ? String(parts[1]) : nil
            }
            guard let presented, ClientAuthenticator.constantTimeEquals(Array(presented.utf8), Array(token.utf8)) else {
                throw HTTPError(.unauthorized, message: "metrics need the metrics token")
            }
            return
        }
        guard let peer = context.channel.remoteAddress?.ipAddress else { throw HTTPError(.forbidden) }
        if peer == "127.0.0.1" || peer == "::1" || peer.hasPrefix("127.") || peer == "::ffff:127.0.0.1" { return }
        throw HTTPError(.forbidden, message: "metrics answer loopback peers only unless server.metrics_token is set")
    }
}
