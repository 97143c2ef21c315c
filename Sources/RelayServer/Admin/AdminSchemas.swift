import Foundation
import RelayConfig
import RelayCore

/// JSON Schemas of every admin request and response body, published in `/api/openapi.json`
/// and enforced on requests by `JSONSchemaValidator` (one source, so they agree).
///
/// The request schemas are deliberately tighter than the config file's own validation (bounds
/// on numbers, known time zones, plain host names in URLs) so that a body the document calls
/// valid is always accepted; what JSON Schema cannot say (unique names, "max ≥ min" pairs) is
/// answered with 409.
enum AdminSchemas {
    // MARK: Builders

    static func string(
        pattern: String? = nil, minLength: Int? = nil, maxLength: Int? = nil, nullable: Bool = false, values: [String]? = nil,
        description: String? = nil
    ) -> JSONValue {
        var object = JSONObject()
        object["type"] = nullable ? ["string", "null"] : "string"
        if let values { object["enum"] = .array(values.map(JSONValue.string) + (nullable ? [.null] : [])) }
        if let pattern { object["pattern"] = .string(pattern) }
        if let minLength { object["minLength"] = .number(Double(minLength)) }
        if let maxLength { object["maxLength"] = .number(Double(maxLength)) }
        if let description { object["description"] = .string(description) }
        return .object(object)
    }

    static func number(exclusiveMinimum: Double? = nil, minimum: Double? = nil, maximum: Double, nullable: Bool = true, description: String? = nil) -> JSONValue {
        var object = JSONObject()
        object["type"] = nullable ? ["number", "null"] : "number"
        if let exclusiveMinimum { object["exclusiveMinimum"] = .number(exclusiveMinimum) }
        if let minimum { object["minimum"] = .number(minimum) }
        object["maximum"] = .number(maximum)
        if let description { object["description"] = .string(description) }
        return .object(object)
    }

    static func integer(minimum: Int, maximum: Int, nullable: Bool = true, description: String? = nil) -> JSONValue {
        var object = JSONObject()
        object["type"] = nullable ? ["integer", "null"] : "integer"
        object["minimum"] = .number(Double(minimum))
        object["maximum"] = .number(Double(maximum))
        if let description { object["description"] = .string(description) }
        return .object(object)
    }

    static func boolean(nullable: Bool = true) -> JSONValue { ["type": nullable ? ["boolean", "null"] : "boolean"] }

    static func array(_ items: JSONValue, minItems: Int? = nil, maxItems: Int? = nil, nullable: Bool = false) -> JSONValue {
        var object = JSONObject()
        object["type"] = nullable ? ["array", "null"] : "array"
        object["items"] = items
        if let minItems { object["minItems"] = .number(Double(minItems)) }
        if let maxItems { object["maxItems"] = .number(Double(maxItems)) }
        return .object(object)
    }

    static func object(
        _ properties: [(String, JSONValue)], required: [String] = [], additional: JSONValue = false, nullable: Bool = false,
        description: String? = nil
    ) -> JSONValue {
        var object = JSONObject()
        object["type"] = nullable ? ["object", "null"] : "object"
        var props = JSONObject()
        for (name, schema) in properties { props[name] = schema }
        object["properties"] = .object(props)
        if !required.isEmpty { object["required"] = .array(required.map(JSONValue.string)) }
        object["additionalProperties"] = additional
        if let description { object["description"] = .string(description) }
        return .object(object)
    }

    static func ref(_ name: String, nullable: Bool = false) -> JSONValue {
        let reference: JSONValue = ["$ref": .string("#/components/schemas/\(name)")]
        return nullable ? ["anyOf": [reference, ["type": "null"]]] : reference
    }

    // MARK: Patterns

    static let hostPattern = #"(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*)"#
    static let portPattern = #"(?::(?:6553[0-5]|655[0-2][0-9]|65[0-4][0-9][0-9]|6[0-4][0-9][0-9][0-9]|[1-5][0-9][0-9][0-9][0-9]|[1-9][0-9]{0,3}))?"#
    static let baseURLPattern = "^(?:https?://" + hostPattern + portPattern + #"(?:/[A-Za-z0-9._~-]+)*/?)$"#
    static let userInfo = #"(?:[A-Za-z0-9._~*!$&'()+,;=-]|%[0-9A-Fa-f][0-9A-Fa-f])+"#
    static let proxyPattern = "^(?:none|(?:https?|socks5h?|socks)://(?:" + userInfo + "(?::" + userInfo + ")?@)?" + hostPattern + portPattern + "/?)$"
    static let clockPattern = #"^(?:(?:[01][0-9]|2[0-3]):[0-5][0-9])$"#
    static let hoursPattern = #"^(?:(?:[01][0-9]|2[0-3]):[0-5][0-9]-(?:(?:[01][0-9]|2[0-3]):[0-5][0-9]|24:00))$"#
    static let secretPattern = #"^(?:[!-~]+)$"#
    static let textPattern = #"^(?:[^\x00-\x1f\x7f]*)$"#
    static let hostNamePattern = #"^(?:[A-Za-z0-9._:\[\]-]+)$"#

    static let maxSeconds: Double = 604_800

    static var timeZones: [String] {
        var zones = Set(TimeZone.knownTimeZoneIdentifiers.filter { TimeZone(identifier: $0) != nil })
        zones.insert("UTC")
        zones.insert("local")
        return zones.sorted()
    }

    // MARK: Config pieces

    static func upstream(formats: [WireFormat], patch: Bool) -> JSONValue {
        let nullable = patch
        var properties: [(String, JSONValue)] = [
            ("name", string(pattern: textPattern, maxLength: 200, nullable: true, description: "label, unique within the pool; no control characters")),
            (
                "base_url",
                string(pattern: baseURLPattern, maxLength: 2048, description: "http(s)://host[:port][/path] without user, query or fragment")
            ),
            ("key", string(pattern: secretPattern, maxLength: 4096, description: "the upstream key: printable ASCII, no spaces; write-only, answers show ****abcd")),
            ("format", string(nullable: true, values: formats.map(\.rawValue))),
            ("auth", string(nullable: true, values: AuthStyle.allCases.map(\.rawValue))),
            ("role", string(nullable: true, values: UpstreamRole.allCases.map(\.rawValue))),
            ("enabled", boolean()),
            ("weekdays", array(["type": ["boolean", "integer"], "minimum": 0, "maximum": 1], minItems: 7, maxItems: 7, nullable: true)),
            ("hours", array(hourWindow, maxItems: 24, nullable: true)),
            ("proxy", string(pattern: proxyPattern, maxLength: 2048, nullable: true, description: "http://host:port, socks5://host:port or none")),
            ("ca_file", string(pattern: textPattern, minLength: 1, maxLength: 4096, nullable: true)),
            ("activation", ref("Activation", nullable: true)),
        ]
        if patch { properties.append(("version", string(maxLength: 200, description: "expected config version (same as If-Match)"))) }
        _ = nullable
        return object(properties, required: patch ? [] : ["base_url", "key"])
    }

    /// `HH:MM-HH:MM`; start and end must differ (`22:00-02:00` crosses midnight, `00:00-24:00` is all day).
    static var hourWindow: JSONValue {
        guard var object = string(pattern: hoursPattern, description: "HH:MM-HH:MM, e.g. 09:00-18:00 or 22:00-02:00").objectValue else { return .null }
        object["not"] = ["pattern": #"^([0-9][0-9]:[0-9][0-9])-\1$"#, "description": "start and end must differ (00:00-24:00 is all day)"]
        return .object(object)
    }

    static var activation: JSONValue {
        object([
            ("enabled", boolean()),
            ("time", string(pattern: clockPattern, nullable: true, description: "HH:MM (24-hour)")),
            ("model", string(pattern: textPattern, maxLength: 200, nullable: true)),
            ("prompt", string(maxLength: 4000, nullable: true)),
        ])
    }

    static func modelRule(patch: Bool) -> JSONValue {
        var properties: [(String, JSONValue)] = [
            ("name", string(pattern: textPattern, maxLength: 200, nullable: true)),
            ("source", string(pattern: textPattern, minLength: 1, maxLength: 200)),
            ("target", string(pattern: textPattern, minLength: 1, maxLength: 200)),
            ("match", string(nullable: true, values: ModelRule.MatchKind.allCases.map(\.rawValue))),
            ("enabled", boolean()),
        ]
        if patch { properties.append(("version", string(maxLength: 200))) }
        return object(properties, required: patch ? [] : ["source", "target"])
    }

    static var client: JSONValue {
        object(
            [
                ("name", string(pattern: textPattern, maxLength: 200)),
                ("key", string(pattern: secretPattern, minLength: 1, maxLength: 4096, description: "printable ASCII, no spaces; write-only")),
            ], required: ["name", "key"])
    }

    static var newClient: JSONValue {
        object([
            ("name", string(pattern: textPattern, maxLength: 200, nullable: true)),
            ("key", string(pattern: secretPattern, minLength: 16, maxLength: 4096, nullable: true, description: "omit to let the server generate one (returned once)")),
            ("version", string(maxLength: 200)),
        ])
    }

    static var server: JSONValue {
        object([
            ("host", string(pattern: hostNamePattern, maxLength: 255, nullable: true)),
            ("port", integer(minimum: 0, maximum: 65535)),
            ("max_body_bytes", integer(minimum: 1024, maximum: 1 << 30)),
            (
                "tls",
                object(
                    [
                        ("certificate", string(pattern: textPattern, minLength: 1, maxLength: 4096)),
                        ("private_key", string(pattern: textPattern, minLength: 1, maxLength: 4096)),
                    ], required: ["certificate", "private_key"], nullable: true)
            ),
            ("metrics_token", string(pattern: secretPattern, maxLength: 4096, nullable: true, description: "write-only")),
        ])
    }

    static var timeoutOverride: JSONValue {
        object([
            ("connect", number(exclusiveMinimum: 0, maximum: 86400)),
            ("first_byte", number(exclusiveMinimum: 0, maximum: 86400)),
            ("idle", number(exclusiveMinimum: 0, maximum: 86400)),
            ("total", number(exclusiveMinimum: 0, maximum: 86400)),
        ])
    }

    static var timeouts: JSONValue {
        object([
            ("connect", number(exclusiveMinimum: 0, maximum: 86400)),
            ("first_byte", number(exclusiveMinimum: 0, maximum: 86400)),
            ("idle", number(exclusiveMinimum: 0, maximum: 86400)),
            ("total", number(exclusiveMinimum: 0, maximum: 86400)),
            (
                "pools",
                object(PoolName.allCases.map { ($0.rawValue, ref("TimeoutOverride", nullable: true)) }, nullable: true)
            ),
            ("retry_nodes", ref("TimeoutOverride", nullable: true)),
        ])
    }

    static var health: JSONValue {
        object([
            ("error_threshold", integer(minimum: 1, maximum: 1000)),
            ("cooldown_seconds", number(exclusiveMinimum: 0, maximum: maxSeconds)),
            ("cooldown_max_seconds", number(exclusiveMinimum: 0, maximum: maxSeconds, description: "at least cooldown_seconds (else 409)")),
            ("primary_check_interval", number(exclusiveMinimum: 0, maximum: maxSeconds)),
            ("retry_after_cap_seconds", number(exclusiveMinimum: 0, maximum: maxSeconds)),
            ("overload_cooldown_seconds", number(exclusiveMinimum: 0, maximum: maxSeconds)),
        ])
    }

    static var retry: JSONValue {
        object([
            ("max_attempts", integer(minimum: 1, maximum: 100)),
            ("same_upstream_retries", integer(minimum: 0, maximum: 100)),
            ("backoff_base_ms", number(minimum: 0, maximum: 3_600_000)),
            ("backoff_cap_ms", number(minimum: 0, maximum: 3_600_000, description: "at least backoff_base_ms (else 409)")),
            ("deadline_seconds", number(exclusiveMinimum: 0, maximum: 86400)),
            ("budget_ratio", number(minimum: 0, maximum: 1)),
            ("budget_min_concurrent", integer(minimum: 0, maximum: 100_000)),
        ])
    }

    static var strategy: JSONValue { string(values: ErrorStrategies.Strategy.allCases.map(\.rawValue)) }

    static var errorStrategies: JSONValue {
        object([
            (
                "http_status",
                [
                    "type": ["object", "null"], "propertyNames": ["type": "string", "pattern": "^(?:default|[1-5][0-9][0-9])$"],
                    "additionalProperties": strategy,
                ]
            ),
            ("network", object(ErrorStrategies.networkClasses.map { ($0, strategy) }, nullable: true)),
        ])
    }

    static var admin: JSONValue {
        object([
            ("allowed_hosts", array(string(pattern: hostNamePattern, maxLength: 255), maxItems: 64, nullable: true)),
            ("session_ttl_seconds", number(exclusiveMinimum: 0, maximum: 2_592_000)),
            ("session_idle_seconds", number(exclusiveMinimum: 0, maximum: 2_592_000)),
        ], description: "the admin token's hash (token_sha256) is neither shown nor writable here")
    }

    static let databaseURLPattern =
        "^(?:postgres(?:ql)?://(?:" + userInfo + "(?::" + userInfo + ")?@)?" + hostPattern + portPattern
        + #"(?:/[A-Za-z0-9._~-]*)?(?:\?[A-Za-z0-9._~=&%-]*)?)$"#

    static var usage: JSONValue {
        object([
            ("enabled", boolean()),
            ("database_url", string(pattern: databaseURLPattern, maxLength: 2048, nullable: true, description: "postgres://user:password@host:port/db; the password is write-only")),
            ("retention_days", integer(minimum: 1, maximum: 36500)),
            (
                "prices",
                array(
                    object(
                        [
                            ("model", string(pattern: textPattern, minLength: 1, maxLength: 200)),
                            ("input", number(minimum: 0, maximum: 1_000_000, nullable: false)),
                            ("output", number(minimum: 0, maximum: 1_000_000, nullable: false)),
                            ("cache_write", number(minimum: 0, maximum: 1_000_000)),
                            ("cache_read", number(minimum: 0, maximum: 1_000_000)),
                        ], required: ["model", "input", "output"]), maxItems: 1000, nullable: true)
            ),
            ("currency", string(pattern: "^(?:[A-Z]{3})$", nullable: true)),
            ("currency_per_usd", number(exclusiveMinimum: 0, maximum: 1_000_000)),
        ])
    }

    static var settingsProperties: [(String, JSONValue)] {
        [
            ("time_zone", string(nullable: true, values: timeZones)),
            ("proxy", string(pattern: proxyPattern, maxLength: 2048, nullable: true)),
            ("server", ref("Server", nullable: true)),
            ("timeouts", ref("Timeouts", nullable: true)),
            ("health", ref("Health", nullable: true)),
            ("retry", ref("Retry", nullable: true)),
            ("error_strategies", ref("ErrorStrategies", nullable: true)),
            ("usage", ref("Usage", nullable: true)),
            ("admin", ref("Admin", nullable: true)),
        ]
    }

    static var config: JSONValue {
        object(
            [("version", integer(minimum: 1, maximum: 1))] + settingsProperties + [
                ("clients", array(ref("Client"), maxItems: 1000, nullable: true)),
                (
                    "pools",
                    object(PoolName.allCases.map { ($0.rawValue, array(ref("Upstream_\($0.rawValue)"), maxItems: 1000, nullable: true)) }, nullable: true)
                ),
                ("retry_nodes", array(ref("Upstream_retry_nodes"), maxItems: 1000, nullable: true)),
                ("model_rules", array(ref("ModelRule"), maxItems: 1000, nullable: true)),
                ("legacy", ["description": "settings of the original project, carried unchanged"]),
            ], description: "the whole config file (docs/CONFIG.md); secrets are write-only")
    }

    // MARK: Original (codex_cc_switch) shapes

    static func legacyUpstream(required: Bool) -> JSONValue {
        object(
            [
                ("name", string(pattern: textPattern, maxLength: 200)),
                ("base_url", string(pattern: baseURLPattern, maxLength: 2048)),
                ("key", string(pattern: secretPattern, maxLength: 4096)),
                ("type", string(values: ["primary", "backup", "openai_to_claude"])),
                ("enabled", boolean(nullable: false)),
                ("time_enabled", array(["type": ["integer", "boolean"], "minimum": 0, "maximum": 1], minItems: 7, maxItems: 7)),
                ("activation_enabled", boolean(nullable: false)),
                ("activation_time", string(pattern: clockPattern)),
            ], required: required ? ["base_url", "key"] : [], additional: true,
            description: "the original project's fields; other fields (created_at, updated_at) are accepted and ignored")
    }

    static func legacyModelRule(required: Bool) -> JSONValue {
        object(
            [
                ("name", string(pattern: textPattern, maxLength: 200)),
                ("source_model", string(pattern: textPattern, minLength: 1, maxLength: 200)),
                ("target_model", string(pattern: textPattern, minLength: 1, maxLength: 200)),
                ("conversion_type", string(values: ["simple_rename", "full_format"])),
                ("enabled", boolean(nullable: false)),
            ], required: required ? ["source_model", "target_model"] : [], additional: true)
    }

    static let legacyTimeoutFields: [(String, Double)] = [
        ("connect_timeout", 60), ("write_timeout", 60), ("pool_timeout", 120), ("streaming_read_timeout", 60),
        ("non_streaming_read_timeout", 60), ("extended_connect_timeout", 90), ("api_cooldown_seconds", 600),
        ("api_error_threshold", 3), ("codex_base_timeout", 60), ("codex_error_threshold", 3), ("codex_timeout_increment", 60),
        ("codex_connect_timeout", 30), ("primary_api_check_interval", 30), ("billing_cycle_delay", 60),
        ("health_check_interval", 0.5), ("billing_send_interval", 1), ("stream_retry_wait", 1), ("strategy_retry_read_timeout", 200),
    ]

    static var legacyTimeout: JSONValue {
        var properties: [(String, JSONValue)] = legacyTimeoutFields.map { name, _ in
            let limit: Double =
                switch name {
                case "api_error_threshold", "codex_error_threshold": 1000
                case "api_cooldown_seconds", "primary_api_check_interval": maxSeconds
                default: 86400
                }
            return (name, number(exclusiveMinimum: 0, maximum: limit, nullable: false))
        }
        properties.append(("modify_retry_headers", boolean(nullable: false)))
        properties.append(("max_retries", number(exclusiveMinimum: 0, maximum: 100, nullable: false)))
        return object(properties, additional: true, description: "the original's timeout_settings; send any subset")
    }

    static var legacyStrategyName: JSONValue {
        string(values: ["strategy_retry", "switch_api", "normal_retry", "switch", "retry", "strategy", "none"])
    }

    static var legacyErrorStrategies: JSONValue {
        object(
            [
                (
                    "http_status_codes",
                    [
                        "type": "object", "propertyNames": ["type": "string", "pattern": "^(?:default|[1-5][0-9][0-9])$"],
                        "additionalProperties": legacyStrategyName,
                    ]
                ),
                (
                    "network_errors",
                    [
                        "type": "object",
                        "propertyNames": [
                            "type": "string",
                            "enum": .array((["ReadError", "ConnectError", "ReadTimeout"] + ErrorStrategies.networkClasses).map(JSONValue.string)),
                        ],
                        "additionalProperties": legacyStrategyName,
                    ]
                ),
            ], additional: true)
    }

    // MARK: Small bodies

    static var move: JSONValue {
        object(
            [("direction", string(values: ["up", "down", "top", "bottom"])), ("version", string(maxLength: 200))],
            required: ["direction"])
    }

    static var versionOnly: JSONValue { object([("version", string(maxLength: 200))]) }

    static var reset: JSONValue {
        object([
            ("index", integer(minimum: 0, maximum: 100_000, nullable: false, description: "position in the pool's list")),
            ("name", string(maxLength: 200)),
            ("pool", string(values: PoolName.allCases.map(\.rawValue))),
        ])
    }

    // MARK: Components

    static var components: [String: JSONValue] {
        var schemas: [String: JSONValue] = [
            "Activation": activation,
            "ModelRule": modelRule(patch: false),
            "ModelRulePatch": modelRule(patch: true),
            "Client": client,
            "NewClient": newClient,
            "Server": server,
            "TimeoutOverride": timeoutOverride,
            "Timeouts": timeouts,
            "Health": health,
            "Retry": retry,
            "ErrorStrategies": errorStrategies,
            "Admin": admin,
            "Usage": usage,
            "Config": config,
            "Settings": object(settingsProperties + [("version", string(maxLength: 200))], description: "settings sections; each given section is merged one level deep (a null field returns to its default)"),
            "ConfigPut": object([("config", ref("Config")), ("version", string(maxLength: 200))], required: ["config"]),
            "Move": move,
            "VersionOnly": versionOnly,
            "Reset": reset,
            "Login": object([("token", string(minLength: 1, maxLength: 4096))], required: ["token"]),
            "LegacyUpstream": legacyUpstream(required: true),
            "LegacyUpstreamPatch": legacyUpstream(required: false),
            "LegacyModelRule": legacyModelRule(required: true),
            "LegacyModelRulePatch": legacyModelRule(required: false),
            "LegacyMove": object([("direction", string(values: ["up", "down", "top", "bottom"]))], required: ["direction"], additional: true),
            "LegacyTimeout": legacyTimeout,
            "LegacyErrorStrategies": legacyErrorStrategies,
            "LegacyOptimization": object([("enable_cache_control_limit", boolean(nullable: false))], additional: true),
        ]
        for list in AdminList.upstreamLists {
            schemas["Upstream_\(list.rawValue)"] = upstream(formats: list.formats, patch: false)
            schemas["UpstreamNew_\(list.rawValue)"] = withVersion(upstream(formats: list.formats, patch: false))
            schemas["UpstreamPatch_\(list.rawValue)"] = upstream(formats: list.formats, patch: true)
        }
        schemas["ModelRuleNew"] = withVersion(modelRule(patch: false))
        return schemas
    }

    static func withVersion(_ schema: JSONValue) -> JSONValue {
        guard var object = schema.objectValue, var properties = object["properties"]?.objectValue else { return schema }
        properties["version"] = string(maxLength: 200, description: "expected config version (same as If-Match)")
        object["properties"] = .object(properties)
        return .object(object)
    }

    static let validator = JSONSchemaValidator(components: components)

    /// Validates `body` against component `name`; issue paths start at `path`.
    static func check(_ body: JSONValue, _ name: String, path: String = "") throws(AdminFailure) {
        let issues = validator.validate(body, against: ref(name), path: path)
        if !issues.isEmpty { throw AdminFailure.invalid(issues, message: "the request body is not valid; nothing was saved") }
    }
}
