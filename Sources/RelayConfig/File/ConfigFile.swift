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

    public init(
        version: Int = ConfigFile.currentVersion, server: ServerSettings = .init(), timeZone: String? = nil,
        proxy: String? = nil, clients: [ClientEntry] = [], pools: Pools = .init(), retryNodes: [UpstreamEntry] = [],
        modelRules: [ModelRule] = [], timeouts: Timeouts = .init(), health: HealthSettings = .init(),
        retry: RetrySettings = .init(), errorStrategies: ErrorStrategies = .init(), legacy: JSONValue? = nil
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
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case version, server, timeZone = "time_zone", proxy, clients, pools, retryNodes = "retry_nodes"
        case modelRules = "model_rules", timeouts, health, retry, errorStrategies = "error_strategies", legacy
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
