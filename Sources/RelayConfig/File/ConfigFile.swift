public import RelayCore

/// The JSON config file (`json_data/all_configs.json`) exactly as users write it.
///
/// Every field has a documented default (docs/CONFIG.md), so a minimal file is valid. This is
/// the editable form; `ConfigValidator` turns it into an immutable `RuntimeConfig`.
public struct ConfigFile: Codable, Sendable, Equatable {
    public static let currentVersion = 1

    public var version: Int
    public var server: ServerSettings
    /// IANA zone for weekday and hour schedules; nil means the machine's local zone.
    public var timeZone: String?
    /// Outbound proxy for every upstream without its own (`http://host:port`, `socks5://host:port`, `none`).
    public var proxy: String?
    public var clients: [ClientEntry]
    public var pools: Pools
    /// Strategy-retry nodes (策略重试), used by the resilience layer.
    public var retryNodes: [UpstreamEntry]
    public var modelRules: [ModelRule]
    public var timeouts: Timeouts
    public var health: HealthSettings
    public var retry: RetrySettings
    public var errorStrategies: ErrorStrategies
    /// Settings of the original project that have no equivalent yet, carried so nothing is lost.
    public var legacy: JSONValue?
    /// The usage ledger (database, retention, prices).
    public var usage: UsageSettings = .init()
    /// Admin API and UI access: the admin token's hash, extra allowed Host names, session lifetimes.
    public var admin: AdminSettings?

    public init(
        version: Int = ConfigFile.currentVersion, server: ServerSettings = .init(), timeZone: String? = nil,
        proxy: String? = nil, clients: [ClientEntry] = [], pools: Pools = .init(), retryNodes: [UpstreamEntry] = [],
        modelRules: [ModelRule] = [], timeouts: Timeouts = .init(), health: HealthSettings = .init(),
        retry: RetrySettings = .init(), errorStrategies: ErrorStrategies = .init(), legacy: JSONValue? = nil,
        admin: AdminSettings? = nil
    ) {
        self.version = version
        self.server = server
        self.timeZone = timeZone
        self.proxy = proxy
        self.clients = clients
        self.pools = pools
        self.retryNodes = retryNodes
        self.modelRules = modelRules
        self.timeouts = timeouts
        self.health = health
        self.retry = retry
        self.errorStrategies = errorStrategies
        self.legacy = legacy
        self.admin = admin
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case version, server, timeZone = "time_zone", proxy, clients, pools, retryNodes = "retry_nodes"
        case modelRules = "model_rules", timeouts, health, retry, errorStrategies = "error_strategies", legacy, admin, usage
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        try rejectUnknownKeys(decoder, CodingKeys.self)
        version = try c.decodeIfPresent(Int.self, forKey: .version) ?? Self.currentVersion
        server = try c.decodeIfPresent(ServerSettings.self, forKey: .server) ?? .init()
        timeZone = try c.decodeIfPresent(String.self, forKey: .timeZone)
        proxy = try c.decodeIfPresent(String.self, forKey: .proxy)
        clients = try c.decodeIfPresent([ClientEntry].self, forKey: .clients) ?? []
        pools = try c.decodeIfPresent(Pools.self, forKey: .pools) ?? .init()
        retryNodes = try c.decodeIfPresent([UpstreamEntry].self, forKey: .retryNodes) ?? []
        modelRules = try c.decodeIfPresent([ModelRule].self, forKey: .modelRules) ?? []
        timeouts = try c.decodeIfPresent(Timeouts.self, forKey: .timeouts) ?? .init()
        health = try c.decodeIfPresent(HealthSettings.self, forKey: .health) ?? .init()
        retry = try c.decodeIfPresent(RetrySettings.self, forKey: .retry) ?? .init()
        errorStrategies = try c.decodeIfPresent(ErrorStrategies.self, forKey: .errorStrategies) ?? .init()
        legacy = try c.decodeIfPresent(JSONValue.self, forKey: .legacy)
        admin = try c.decodeIfPresent(AdminSettings.self, forKey: .admin)
        usage = try c.decodeIfPresent(UsageSettings.self, forKey: .usage) ?? .init()
    }
}

/// Listener settings.
public struct ServerSettings: Codable, Sendable, Equatable {
    public var host: String
    public var port: Int
    /// Largest accepted request body; larger requests get 413 in the client's dialect.
    public var maxBodyBytes: Int
    public var tls: TLSFiles?
    /// When set, `GET /metrics` needs `Authorization: Bearer <token>`; otherwise it answers loopback peers only.
    public var metricsToken: String?

    public init(host: String = "127.0.0.1", port: Int = 5101, maxBodyBytes: Int = 32 << 20, tls: TLSFiles? = nil, metricsToken: String? = nil) {
        self.host = host
        self.port = port
        self.maxBodyBytes = maxBodyBytes
        self.tls = tls
        self.metricsToken = metricsToken
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case host, port, maxBodyBytes = "max_body_bytes", tls, metricsToken = "metrics_token"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        try rejectUnknownKeys(decoder, CodingKeys.self)
        host = try c.decodeIfPresent(String.self, forKey: .host) ?? "127.0.0.1"
        port = try c.decodeIfPresent(Int.self, forKey: .port) ?? 5101
        maxBodyBytes = try c.decodeIfPresent(Int.self, forKey: .maxBodyBytes) ?? 32 << 20
        tls = try c.decodeIfPresent(TLSFiles.self, forKey: .tls)
        metricsToken = try c.decodeIfPresent(String.self, forKey: .metricsToken)
    }
}

/// PEM certificate chain and private key for serving HTTPS.
public struct TLSFiles: Codable, Sendable, Equatable {
    public var certificate: String
    public var privateKey: String

    public init(certificate: String, privateKey: String) {
        self.certificate = certificate
        self.privateKey = privateKey
    }

    enum CodingKeys: String, CodingKey { case certificate, privateKey = "private_key" }
}

/// A credential a client (Claude Code, Codex, an SDK app) presents to the relay.
public struct ClientEntry: Codable, Sendable, Equatable {
    public var name: String
    public var key: String

    public init(name: String, key: String) {
        self.name = name
        self.key = key
    }
}

/// The ordered upstream lists. Order is priority: the first eligible entry serves.
public struct Pools: Codable, Sendable, Equatable {
    /// Serves Anthropic Messages routes (Claude Code).
    public var claude: [UpstreamEntry]
    /// Serves OpenAI Responses routes (Codex CLI).
    public var codex: [UpstreamEntry]
    /// Serves OpenAI Chat Completions routes from Anthropic upstreams.
    public var openai: [UpstreamEntry]

    public init(claude: [UpstreamEntry] = [], codex: [UpstreamEntry] = [], openai: [UpstreamEntry] = []) {
        self.claude = claude
        self.codex = codex
        self.openai = openai
    }

    enum CodingKeys: String, CodingKey, CaseIterable { case claude, codex, openai }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        try rejectUnknownKeys(decoder, CodingKeys.self)
        claude = try c.decodeIfPresent([UpstreamEntry].self, forKey: .claude) ?? []
        codex = try c.decodeIfPresent([UpstreamEntry].self, forKey: .codex) ?? []
        openai = try c.decodeIfPresent([UpstreamEntry].self, forKey: .openai) ?? []
    }
}

/// Who may use the admin API and UI (docs/ADMIN-API.md).
///
/// Only a SHA-256 hash of the admin token is stored, so the file (and its backups) never hold
/// the token itself. `SWITCHYARD_ADMIN_TOKEN` in the environment is accepted as well.
public struct AdminSettings: Codable, Sendable, Equatable {
    /// Lower-case hex SHA-256 of the admin token; written on first start when no token exists.
    public var tokenSHA256: String?
    /// Host names (besides localhost, 127.0.0.1, [::1] and the listen address) the admin surface
    /// answers to, e.g. the name of a reverse proxy in front of the relay. Guards against DNS rebinding.
    public var allowedHosts: [String]
    /// A UI session ends this long after login, however active.
    public var sessionTTLSeconds: Double
    /// A UI session ends after this long without a request.
    public var sessionIdleSeconds: Double

    public static let defaultSessionTTL: Double = 43200
    public static let defaultSessionIdle: Double = 7200

    public init(
        tokenSHA256: String? = nil, allowedHosts: [String] = [], sessionTTLSeconds: Double = AdminSettings.defaultSessionTTL,
        sessionIdleSeconds: Double = AdminSettings.defaultSessionIdle
    ) {
        self.tokenSHA256 = tokenSHA256
        self.allowedHosts = allowedHosts
        self.sessionTTLSeconds = sessionTTLSeconds
        self.sessionIdleSeconds = sessionIdleSeconds
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case tokenSHA256 = "token_sha256", allowedHosts = "allowed_hosts", sessionTTLSeconds = "session_ttl_seconds"
        case sessionIdleSeconds = "session_idle_seconds"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        try rejectUnknownKeys(decoder, CodingKeys.self)
        tokenSHA256 = try c.decodeIfPresent(String.self, forKey: .tokenSHA256)
        if let hash = tokenSHA256 {
            let hex = hash.lowercased()
            guard hex.utf8.count == 64, hex.utf8.allSatisfy({ (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }) else {
                throw DecodingError.dataCorruptedError(
                    forKey: .tokenSHA256, in: c, debugDescription: "must be the 64-character hex SHA-256 of the admin token")
            }
            tokenSHA256 = hex
        }
        allowedHosts = try c.decodeIfPresent([String].self, forKey: .allowedHosts) ?? []
        for host in allowedHosts where host.isEmpty || host.contains(where: { $0 == "/" || $0 == " " || $0 == "@" }) {
            throw DecodingError.dataCorruptedError(
                forKey: .allowedHosts, in: c, debugDescription: "\"\(host)\" is not a host name (write it without scheme, port or path)")
        }
        sessionTTLSeconds = try c.decodeIfPresent(Double.self, forKey: .sessionTTLSeconds) ?? Self.defaultSessionTTL
        sessionIdleSeconds = try c.decodeIfPresent(Double.self, forKey: .sessionIdleSeconds) ?? Self.defaultSessionIdle
        for (key, value) in [(CodingKeys.sessionTTLSeconds, sessionTTLSeconds), (.sessionIdleSeconds, sessionIdleSeconds)]
        where !(value > 0) || !value.isFinite {
            throw DecodingError.dataCorruptedError(forKey: key, in: c, debugDescription: "must be a positive number of seconds")
        }
    }
}
