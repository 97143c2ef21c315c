public import Foundation
public import RelayCore

/// The validated, immutable config a request runs on. A request reads one snapshot at its start
/// and keeps it to the end, so a reload never changes an in-flight request.
public struct RuntimeConfig: Sendable {
    /// The file this snapshot came from (for the admin surface and saves).
    public let file: ConfigFile
    public let server: ServerSettings
    public let timeZone: TimeZone
    public let clients: [ClientCredential]
    public let pools: [PoolName: [UpstreamTarget]]
    public let timeouts: Timeouts
    /// Strategy-retry nodes (策略重试), in order.
    public let retryNodes: [UpstreamTarget]
    public var health: HealthSettings { file.health }
    public var retry: RetrySettings { file.retry }
    public var errorStrategies: ErrorStrategies { file.errorStrategies }
    /// Non-fatal remarks (weak client keys, ignored entries), shown at startup.
    public let warnings: [String]

    public init(
        file: ConfigFile, server: ServerSettings, timeZone: TimeZone, clients: [ClientCredential],
        pools: [PoolName: [UpstreamTarget]], timeouts: Timeouts, retryNodes: [UpstreamTarget] = [], warnings: [String]
    ) {
        self.file = file
        self.server = server
        self.timeZone = timeZone
        self.clients = clients
        self.pools = pools
        self.timeouts = timeouts
        self.retryNodes = retryNodes
        self.warnings = warnings
    }

    public func upstreams(in pool: PoolName) -> [UpstreamTarget] { pools[pool] ?? [] }

    /// Timeouts for `pool`, with its overrides applied.
    public func timeouts(for pool: PoolName) -> Timeouts { timeouts.applying(timeouts.pools[pool.rawValue]) }

    /// Every upstream of every pool and the retry nodes.
    public var allTargets: [UpstreamTarget] { PoolName.allCases.flatMap { upstreams(in: $0) } + retryNodes }
}

/// The pools the original project had, each serving one family of client routes.
public enum PoolName: String, Sendable, CaseIterable, Hashable {
    case claude, codex, openai
}

/// A client credential ready for constant-time comparison.
public struct ClientCredential: Sendable {
    public let name: String
    public let key: [UInt8]
    public let keyID: String

    public init(name: String, key: String) {
        self.name = name
        self.key = Array(key.utf8)
        self.keyID = SecretMask.keyID(key)
    }
}

/// An upstream entry resolved for use: parsed URL, auth style, effective proxy.
public struct UpstreamTarget: Sendable, Identifiable, Equatable {
    /// Stable within a snapshot: `pool/name`.
    public let id: String
    public let name: String
    public let pool: PoolName
    public let index: Int
    public let baseURL: UpstreamURL
    public let key: String
    public let keyID: String
    public let format: WireFormat
    public let auth: AuthStyle
    public let role: UpstreamRole
    public let enabled: Bool
    /// Monday first.
    public let weekdays: [Bool]
    /// Hour windows in the time zone; empty means all day.
    public let hours: [HourWindow]
    public let proxy: ProxySetting?
    public let caFile: String?
    public let activation: Activation?
    /// True for a strategy-retry node rather than a pool member.
    public let isRetryNode: Bool
    /// Identity for health state: survives config edits that leave this upstream unchanged
    /// (same pool, name, URL and key), and changes when any of those change.
    public let healthKey: String

    public init(
        id: String, name: String, pool: PoolName, index: Int, baseURL: UpstreamURL, key: String, format: WireFormat,
        auth: AuthStyle, role: UpstreamRole, enabled: Bool, weekdays: [Bool], hours: [HourWindow] = [], proxy: ProxySetting?,
        caFile: String?, activation: Activation? = nil, isRetryNode: Bool = false
    ) {
        self.id = id
        self.name = name
        self.pool = pool
        self.index = index
        self.baseURL = baseURL
        self.key = key
        self.keyID = SecretMask.keyID(key)
        self.format = format
        self.auth = auth
        self.role = role
        self.enabled = enabled
        self.weekdays = weekdays
        self.hours = hours
        self.proxy = proxy
        self.caFile = caFile
        self.activation = activation
        self.isRetryNode = isRetryNode
        self.healthKey = "\(isRetryNode ? "retry" : pool.rawValue)|\(name)|\(baseURL)|\(SecretMask.keyID(key))"
    }
}

/// Scheme, host, port and path prefix of an upstream base URL.
public struct UpstreamURL: Sendable, Hashable, CustomStringConvertible {
    public let scheme: String
    public let host: String
    public let port: Int
    /// Path prefix without a trailing slash ("" or "/api" or "/v1").
    public let path: String

    public init(scheme: String, host: String, port: Int, path: String) {
        self.scheme = scheme
        self.host = host
        self.port = port
        self.path = path
    }

    public var isTLS: Bool { scheme == "https" }

    /// `scheme://host:port` with IPv6 brackets.
    public var origin: String {
        let hostPart = host.contains(":") ? "[\(host)]" : host
        let defaultPort = isTLS ? 443 : 80
        return port == defaultPort ? "\(scheme)://\(hostPart)" : "\(scheme)://\(hostPart):\(port)"
    }

    public var description: String { origin + path }

    /// Parses `http(s)://host[:port][/path]`; rejects userinfo, query and fragment.
    public static func parse(_ text: String) -> Result<UpstreamURL, ConfigIssue> {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard let components = URLComponents(string: trimmed), let scheme = components.scheme?.lowercased() else {
            return .failure(ConfigIssue(path: "", message: "not a valid URL"))
        }
        guard scheme == "http" || scheme == "https" else {
            return .failure(ConfigIssue(path: "", message: "must start with http:// or https://"))
        }
        guard let host = components.host, !host.isEmpty else {
            return .failure(ConfigIssue(path: "", message: "has no host"))
        }
        if components.user != nil || components.password != nil {
            return .failure(ConfigIssue(path: "", message: "must not contain user:password@; put the key in `key`"))
        }
        if components.query != nil || components.fragment != nil {
            return .failure(ConfigIssue(path: "", message: "must not contain a query or fragment"))
        }
        var path = components.percentEncodedPath
        while path.hasSuffix("/") { path.removeLast() }
        let port = components.port ?? (scheme == "https" ? 443 : 80)
        let bareHost = host.hasPrefix("[") ? String(host.dropFirst().dropLast()) : host
        return .success(UpstreamURL(scheme: scheme, host: bareHost, port: port, path: path))
    }
}

/// An outbound proxy.
public struct ProxySetting: Sendable, Hashable, CustomStringConvertible {
    public enum Kind: String, Sendable { case http, socks5 }
    public let kind: Kind
    public let host: String
    public let port: Int
    /// Basic credentials for an HTTP proxy (`http://user:pass@host:port`).
    public let username: String?
    public let password: String?

    public init(kind: Kind, host: String, port: Int, username: String? = nil, password: String? = nil) {
        self.kind = kind
        self.host = host
        self.port = port
        self.username = username
        self.password = password
    }

    public var description: String { "\(kind.rawValue)://\(host):\(port)" }

    /// Parses `http://host:port`, `https://host:port` (CONNECT), `socks5://host:port`, `socks5h://…`.
    public static func parse(_ text: String) -> Result<ProxySetting, ConfigIssue> {
        guard let components = URLComponents(string: text.trimmingCharacters(in: .whitespaces)),
            let scheme = components.scheme?.lowercased(), let host = components.host, !host.isEmpty
        else {
            return .failure(ConfigIssue(path: "", message: "expected http://host:port or socks5://host:port"))
        }
        switch scheme {
        case "http", "https":
            return .success(
                ProxySetting(
                    kind: .http, host: host, port: components.port ?? 8080, username: components.user,
                    password: components.password))
        case "socks5", "socks5h", "socks":
            return .success(ProxySetting(kind: .socks5, host: host, port: components.port ?? 1080))
        default:
            return .failure(ConfigIssue(path: "", message: "unsupported proxy scheme \(scheme); use http or socks5"))
        }
    }
}

/// A daily window `start..<end` in minutes after midnight; `end <= start` crosses midnight.
public struct HourWindow: Sendable, Equatable, CustomStringConvertible {
    public let startMinute: Int
    public let endMinute: Int

    public init(startMinute: Int, endMinute: Int) {
        self.startMinute = startMinute
        self.endMinute = endMinute
    }

    public var crossesMidnight: Bool { endMinute <= startMinute }

    public var description: String {
        func clock(_ minute: Int) -> String {
            let hour = minute / 60
            let rest = minute % 60
            return (hour < 10 ? "0" : "") + "\(hour):" + (rest < 10 ? "0" : "") + "\(rest)"
        }
        return clock(startMinute) + "-" + clock(endMinute % 1440)
    }

    /// Parses `HH:MM-HH:MM`; `24:00` is allowed as an end.
    public static func parse(_ text: String) -> HourWindow? {
        let parts = text.split(separator: "-").map { $0.trimmingCharacters(in: .whitespaces) }
        guard parts.count == 2, let start = minutes(parts[0]), let end = minutes(parts[1]), start < 1440, start != end else { return nil }
        return HourWindow(startMinute: start, endMinute: end)
    }

    static func minutes(_ text: String) -> Int? {
        let pieces = text.split(separator: ":")
        guard pieces.count == 2, pieces[0].count == 2, pieces[1].count == 2, let hour = Int(pieces[0]), let minute = Int(pieces[1]),
            (0...24).contains(hour), (0..<60).contains(minute), hour * 60 + minute <= 1440
        else { return nil }
        return hour * 60 + minute
    }
}
