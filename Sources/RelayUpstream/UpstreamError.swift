import AsyncHTTPClient
import NIOCore
import NIOPosix
import NIOSSL

/// Failure of one upstream attempt, classified by how far it got (RELIABILITY.md §1.7a).
///
/// The class decides what the resilience layer may do: a `notSent` failure can always go to
/// another upstream; a `possiblyAccepted` one may have been billed.
public enum UpstreamError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Refused, DNS, TLS handshake, proxy handshake: nothing reached the upstream.
    case connectFailed(String)
    case connectTimeout
    /// No response headers within the first-byte deadline (the request was sent).
    case firstByteTimeout
    /// Silence between body chunks longer than the idle timeout.
    case idleTimeout
    /// The connection broke after the request was written.
    case reset(String)
    /// A configuration problem found at request time (unreadable CA file, bad URL).
    case misconfigured(String)
    /// The client went away and the relay cancelled the upstream request.
    case cancelled

    /// Bounded label for logs and metrics; never carries a URL or key.
    public var metricLabel: String {
        switch self {
        case .connectFailed: "connect_error"
        case .connectTimeout: "connect_timeout"
        case .firstByteTimeout: "first_byte_timeout"
        case .idleTimeout: "idle_timeout"
        case .reset: "reset"
        case .misconfigured: "misconfigured"
        case .cancelled: "client_cancelled"
        }
    }

    /// True when the upstream cannot have started work (safe to send elsewhere, never billed).
    public var notSent: Bool {
        switch self {
        case .connectFailed, .connectTimeout, .misconfigured: true
        case .firstByteTimeout, .idleTimeout, .reset, .cancelled: false
        }
    }

    public var description: String {
        switch self {
        case .connectFailed(let detail): "could not connect (\(detail))"
        case .connectTimeout: "connect timed out"
        case .firstByteTimeout: "no response headers before the first-byte timeout"
        case .idleTimeout: "upstream went silent longer than the idle timeout"
        case .reset(let detail): "connection broke (\(detail))"
        case .misconfigured(let detail): detail
        case .cancelled: "cancelled because the client went away"
        }
    }

    /// Maps AsyncHTTPClient, NIO and TLS errors into the classes above.
    public static func classify(_ error: any Error, afterHead: Bool) -> UpstreamError {
        if let error = error as? UpstreamError { return error }
        if error is CancellationError { return .cancelled }
        if let error = error as? HTTPClientError {
            switch error {
            case .connectTimeout, .socksHandshakeTimeout, .httpProxyHandshakeTimeout, .tlsHandshakeTimeout:
                return .connectTimeout
            case .deadlineExceeded: return afterHead ? .idleTimeout : .firstByteTimeout
            case .readTimeout: return afterHead ? .idleTimeout : .firstByteTimeout
            case .remoteConnectionClosed: return .reset("remote closed the connection")
            case .cancelled, .requestStreamCancelled: return .cancelled
            case .invalidProxyResponse, .proxyAuthenticationRequired: return .connectFailed("proxy refused the tunnel")
            default: return afterHead ? .reset(error.shortDescription) : .connectFailed(error.shortDescription)
            }
        }
        if error is NIOConnectionError || error is SocketAddressError { return .connectFailed("connection refused or unreachable") }
        if let error = error as? IOError {
            return afterHead ? .reset("I/O error \(error.errnoCode)") : .connectFailed("I/O error \(error.errnoCode)")
        }
        if error is NIOSSLError || error is BoringSSLError { return .connectFailed("TLS handshake failed") }
        if error is ChannelError { return afterHead ? .reset("channel closed") : .connectFailed("channel error") }
        return afterHead ? .reset(String(describing: type(of: error))) : .connectFailed(String(describing: type(of: error)))
    }
}
