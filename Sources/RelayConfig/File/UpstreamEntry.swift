public import RelayCore

/// One upstream provider key, as configured.
public struct UpstreamEntry: Codable, Sendable, Equatable {
    public var name: String
    /// The API base as its SDK expects it: `https://api.anthropic.com` for `anthropic` (the relay
    /// appends `/v1/messages…`), `https://api.openai.com/v1` for the OpenAI formats (the relay
    /// appends `/responses` or `/chat/completions`).
    public var baseURL: String
    public var key: String
    /// Nil means the pool's natural format (claude and openai → anthropic, codex → openai-responses).
    public var format: WireFormat?
    /// Nil means the format's usual style: `x-api-key` for anthropic, `bearer` otherwise.
    public var auth: AuthStyle?
    public var role: UpstreamRole
    public var enabled: Bool
    /// Monday first, seven entries; written as booleans, 0/1 accepted.
    public var weekdays: [Bool]
    /// Optional hour windows (`"09:00-18:00"`, `"22:00-02:00"` crosses midnight) in the time zone;
    /// nil or empty means all day. A window belongs to the day it starts on.
    public var hours: [String]?
    /// Per-upstream outbound proxy; overrides the global one. `none` disables any proxy.
    public var proxy: String?
    /// PEM file of extra trusted CA certificates for this upstream's TLS.
    public var caFile: String?
    /// Daily billing-window activation (定时激活), driven by the resilience layer.
    public var activation: Activation?

    public init(
        name: String, baseURL: String, key: String, format: WireFormat? = nil, auth: AuthStyle? = nil,
        role: UpstreamRole = .primary, enabled: Bool = true, weekdays: [Bool] = Array(repeating: true, count: 7),
        hours: [String]? = nil, proxy: String? = nil, caFile: String? = nil, activation: Activation? = nil
    ) {
        self.name = name
        self.baseURL = baseURL
        self.key = key
        self.format = format
        self.auth = auth
        self.role = role
        self.enabled = enabled
        self.weekdays = weekdays
        self.hours = hours
        self.proxy = proxy
        self.caFile = caFile
        self.activation = activation
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case name, baseURL = "base_url", key, format, auth, role, enabled, weekdays, hours, proxy, caFile = "ca_file", activation
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        try rejectUnknownKeys(decoder, CodingKeys.self)
        name = try c.decodeIfPresent(String.self, forKey: .name) ?? ""
        baseURL = try c.decode(String.self, forKey: .baseURL)
        key = try c.decode(String.self, forKey: .key)
        format = try c.decodeIfPresent(WireFormat.self, forKey: .format)
        auth = try c.decodeIfPresent(AuthStyle.self, forKey: .auth)
        role = try c.decodeIfPresent(UpstreamRole.self, forKey: .role) ?? .primary
        enabled = try c.decodeIfPresent(Bool.self, forKey: .enabled) ?? true
        weekdays = try c.decodeIfPresent(FlexibleBools.self, forKey: .weekdays)?.values ?? Array(repeating: true, count: 7)
        hours = try c.decodeIfPresent([String].self, forKey: .hours)
        proxy = try c.decodeIfPresent(String.self, forKey: .proxy)
        caFile = try c.decodeIfPresent(String.self, forKey: .caFile)
        activation = try c.decodeIfPresent(Activation.self, forKey: .activation)
    }
}

/// How the upstream key is presented.
public enum AuthStyle: String, Codable, Sendable, CaseIterable {
    case bearer
    case xAPIKey = "x-api-key"
}

/// Primary upstreams serve in list order; backups only when no primary is eligible.
public enum UpstreamRole: String, Codable, Sendable, CaseIterable {
    case primary
    case backup
}

/// A daily activation request at a local time: a minimal paid request that starts the key's
/// billing window (定时激活). The configured time is never rewritten.
public struct Activation: Codable, Sendable, Equatable {
    public var enabled: Bool
    /// `HH:MM` in the configured time zone.
    public var time: String
    /// Model of the activation request; nil uses a small default per format.
    public var model: String?
    /// Prompt text of the activation request.
    public var prompt: String?

    public init(enabled: Bool = false, time: String = "08:00", model: String? = nil, prompt: String? = nil) {
        self.enabled = enabled
        self.time = time
        self.model = model
        self.prompt = prompt
    }

    enum CodingKeys: String, CodingKey, CaseIterable { case enabled, time, model, prompt }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        try rejectUnknownKeys(decoder, CodingKeys.self)
        enabled = try c.decodeIfPresent(Bool.self, forKey: .enabled) ?? false
        time = try c.decodeIfPresent(String.self, forKey: .time) ?? "08:00"
        model = try c.decodeIfPresent(String.self, forKey: .model)
        prompt = try c.decodeIfPresent(String.self, forKey: .prompt)
    }
}

/// Decodes an array of booleans written as `true`/`false` or `1`/`0` (the original wrote 0/1).
struct FlexibleBools: Decodable {
    var values: [Bool]

    init(from decoder: any Decoder) throws {
        var container = try decoder.unkeyedContainer()
        var values: [Bool] = []
        while !container.isAtEnd {
            if let flag = try? container.decode(Bool.self) {
                values.append(flag)
            } else {
                let number = try container.decode(Int.self)
                values.append(number != 0)
            }
        }
        self.values = values
    }
}
