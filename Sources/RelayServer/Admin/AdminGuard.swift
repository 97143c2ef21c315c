import Foundation
import HTTPTypes
import Hummingbird
import Logging
import RelayConfig
import RelayCore

/// The admin surface's access rules, shared by the middleware and the login routes.
///
/// - Every admin request must name an allowed `Host` (localhost, 127.0.0.1, [::1], the listen
///   address, `admin.allowed_hosts`), against DNS rebinding.
/// - Protected routes need `Authorization: Bearer <admin token>` or a live `sy_session` cookie.
/// - A cookie-authenticated request that changes state must come from the same origin
///   (`Origin`, else `Referer`, else `Sec-Fetch-Site: same-origin`), against CSRF.
public final class AdminGuard: Sendable {
    public static let cookieName = "sy_session"

    let runtime: RelayRuntime
    let environment: [String: String]
    let listenHost: String
    let tls: Bool
    let sessions: AdminSessions
    let throttle: LoginThrottle

    public init(runtime: RelayRuntime, environment: [String: String], listenHost: String, tls: Bool, loginLimitPerMinute: Int = 5) {
        self.runtime = runtime
        self.environment = environment
        self.listenHost = listenHost
        self.tls = tls
        self.sessions = AdminSessions()
        self.throttle = LoginThrottle(limit: loginLimitPerMinute, window: .seconds(60))
    }

    /// How the middleware treats a path. Decided on the raw request path only.
    enum Access: Equatable {
        /// Not the admin surface's business (`/health`, `/metrics`).
        case passThrough
        /// Static UI files: Host-checked, no token (they hold no data; everything they show comes from protected routes).
        case publicPage
        /// Login, logout, session probe and the OpenAPI document: Host-checked, no token.
        case publicAPI
        /// Everything else: Host check, token or session, CSRF check.
        case protected
    }

    static let publicAPIPaths: Set<String> = ["/api/login", "/api/logout", "/api/session", "/api/openapi.json"]
    static let pageExtensions = [".html", ".css", ".js", ".svg", ".png", ".ico", ".woff2", ".woff", ".map", ".txt"]

    static func access(method: HTTPRequest.Method, path: String) -> Access {
        if path == "/health" || path == "/metrics" { return .passThrough }
        if publicAPIPaths.contains(path) { return .publicAPI }
        let isAPI = path == "/api" || path.hasPrefix("/api/")
        if !isAPI, method == .get || method == .head {
            if path == "/" || pageExtensions.contains(where: { path.hasSuffix($0) }), !path.contains("..") { return .publicPage }
        }
        return .protected
    }

    // MARK: Host

    /// The host part of a `Host` header, lower-cased, without port, brackets or a trailing dot.
    static func hostName(_ authority: String) -> String? {
        var host = Substring(authority.lowercased())
        if host.hasPrefix("[") {
            guard let close = host.firstIndex(of: "]") else { return nil }
            let rest = host[host.index(after: close)...]
            guard rest.isEmpty || (rest.hasPrefix(":") && rest.dropFirst().allSatisfy(\.isASCIIDigit) && rest.count > 1) else { return nil }
            host = host[host.index(after: host.startIndex)..<close]
        } else if let colon = host.firstIndex(of: ":") {
            let port = host[host.index(after: colon)...]
            guard !port.isEmpty, port.allSatisfy(\.isASCIIDigit) else { return nil }
            host = host[..<colon]
        }
        while host.hasSuffix(".") { host.removeLast() }
        return host.isEmpty ? nil : String(host)
    }

    func allowedHosts(_ config: RuntimeConfig) -> Set<String> {
        var hosts: Set<String> = ["localhost", "127.0.0.1", "::1"]
        let listen = listenHost.lowercased()
        if !["", "0.0.0.0", "::", "[::]", "*"].contains(listen) {
            hosts.insert(listen.hasPrefix("[") ? String(listen.dropFirst().dropLast()) : listen)
        }
        for host in config.file.admin?.allowedHosts ?? [] {
            var name = host.lowercased()
            if name.hasPrefix("["), name.hasSuffix("]") { name = String(name.dropFirst().dropLast()) }
            hosts.insert(name)
        }
        return hosts
    }

    func checkHost(_ request: Request, config: RuntimeConfig) throws(AdminFailure) {
        guard let authority = request.head.authority, let host = Self.hostName(authority), allowedHosts(config).contains(host) else {
            throw AdminFailure.forbidden(
                "this Host is not allowed for the admin surface; use localhost or 127.0.0.1, or add the name to admin.allowed_hosts")
        }
    }

    // MARK: Authentication

    enum Authenticated {
        case bearer
        case session(String)
    }

    func accepted(_ config: RuntimeConfig) -> [[UInt8]] { AdminCredential.acceptedHashes(config: config, environment: environment) }

    static func bearerToken(_ request: Request) -> String?? {
        guard let value = request.headers[.authorization] else { return .none }
        let parts = value.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return .some(nil) }
        return .some(String(parts[1]).trimmingSpaces())
    }

    /// A client key never opens the admin surface, even if someone configured the same string as the admin token.
    static func isClientKey(_ token: String, config: RuntimeConfig) -> Bool {
        let candidate = Array(token.utf8)
        var found = false
        for client in config.clients where ClientAuthenticator.constantTimeEquals(candidate, client.key) { found = true }
        return found
    }

    static func sessionCookie(_ request: Request) -> String? {
        request.cookies[cookieName]?.value
    }

    func session(_ request: Request, config: RuntimeConfig) -> String? {
        guard let id = Self.sessionCookie(request) else { return nil }
        let admin = config.file.admin ?? AdminSettings()
        let valid = sessions.validate(
            id, accepted: accepted(config), lifetime: .milliseconds(Int64(admin.sessionTTLSeconds * 1000)),
            idle: .milliseconds(Int64(admin.sessionIdleSeconds * 1000)))
        return valid ? id : nil
    }

    func authenticate(_ request: Request, config: RuntimeConfig) throws(AdminFailure) -> Authenticated {
        switch Self.bearerToken(request) {
        case .some(let token):
            guard let token, AdminCredential.match(token, accepted: accepted(config)) != nil, !Self.isClientKey(token, config: config) else {
                throw AdminFailure.unauthorized("the admin token is wrong (client keys do not open the admin API)")
            }
            return .bearer
        case .none:
            if let id = session(request, config: config) { return .session(id) }
            throw AdminFailure.unauthorized("the admin API needs Authorization: Bearer <admin token> or a login session")
        }
    }

    // MARK: CSRF

    static func isStateChanging(_ method: HTTPRequest.Method) -> Bool {
        !(method == .get || method == .head || method == .options)
    }

    /// Same-origin proof for a cookie-authenticated request: `Origin` (not `null`) naming the
    /// same host and port as `Host`; without `Origin`, the `Referer`'s origin; without either,
    /// `Sec-Fetch-Site: same-origin` (a header pages cannot set).
    func checkSameOrigin(_ request: Request, requireEvidence: Bool) throws(AdminFailure) {
        let host = (request.head.authority ?? "").lowercased()
        let fetchSite = HTTPField.Name("sec-fetch-site").flatMap { request.headers[$0] }?.lowercased()
        if let site = fetchSite, site != "same-origin", site != "none" {
            throw AdminFailure.forbidden("cross-site request refused (Sec-Fetch-Site: \(site))")
        }
        if let origin = request.headers[.origin] {
            guard origin != "null", Self.authority(ofOrigin: origin) == host else {
                throw AdminFailure.forbidden("cross-origin request refused: Origin does not match Host")
            }
            return
        }
        if let referer = request.headers[.referer] {
            guard Self.authority(ofOrigin: referer) == host else {
                throw AdminFailure.forbidden("cross-origin request refused: Referer does not match Host")
            }
            return
        }
        if fetchSite == "same-origin" { return }
        if requireEvidence {
            throw AdminFailure.forbidden("a request authenticated by the session cookie must send Origin (browsers do this by themselves)")
        }
    }

    /// `host[:port]` of `scheme://host[:port]/…`, lower-cased; default ports as given.
    static func authority(ofOrigin text: String) -> String? {
        guard let schemeEnd = text.range(of: "://") else { return nil }
        let rest = text[schemeEnd.upperBound...]
        let end = rest.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) ?? rest.endIndex
        let authority = rest[..<end]
        guard !authority.contains("@"), !authority.isEmpty else { return nil }
        return authority.lowercased()
    }

    // MARK: Cookies

    func sessionCookieHeader(_ value: String, maxAge: Int) -> String {
        var parts = ["\(Self.cookieName)=\(value)", "Path=/", "HttpOnly", "SameSite=Strict", "Max-Age=\(maxAge)"]
        if tls { parts.append("Secure") }
        return parts.joined(separator: "; ")
    }

    func clearedCookieHeader() -> String {
        var parts = ["\(Self.cookieName)=", "Path=/", "HttpOnly", "SameSite=Strict", "Max-Age=0"]
        if tls { parts.append("Secure") }
        return parts.joined(separator: "; ")
    }

    static func peer(_ context: RelayRequestContext) -> String {
        context.channel.remoteAddress?.ipAddress ?? "unknown"
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { isASCII && isNumber }
}
