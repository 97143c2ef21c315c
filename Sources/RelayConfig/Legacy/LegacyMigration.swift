import Foundation
public import RelayCore

/// Reads an `all_configs.json` written by the original Python project (codex_cc_switch) and
/// produces the equivalent config in our schema, so an existing setup keeps working.
///
/// Choices (docs/CONFIG.md, "Migrating from codex_cc_switch"):
/// - Claude and OpenAI→Claude entries become `anthropic` upstreams, Codex entries
///   `openai-responses`; all keep Bearer auth, as the original always sent it.
/// - The hard-coded client key `123` is kept (with a weak-key warning at startup).
/// - `normal_retry` means "return the error" for HTTP codes (the UI's 不重试) and "retry the
///   same upstream" for network errors, which is what the original actually did.
/// - Settings with no equivalent yet are carried under `legacy`.
public enum LegacyMigration {
    static let legacyKeys = [
        "api_configs", "codex_configs", "openai_to_claude_configs", "openai_to_claude_config", "retry_configs",
        "model_conversions", "timeout_settings", "error_handling_strategies", "optimization_settings",
    ]

    /// True for a document in the original project's shape (no `version`, an original key).
    public static func isLegacy(_ document: JSONValue) -> Bool {
        guard let object = document.objectValue, object["version"] == nil else { return false }
        return legacyKeys.contains { object[$0] != nil }
    }

    public struct Result: Sendable {
        public var file: ConfigFile
        public var notes: [String]
    }

    public static func migrate(_ document: JSONValue) -> Result {
        var notes: [String] = []
        var file = ConfigFile()
        file.clients = [ClientEntry(name: "legacy-123", key: "123")]

        func upstreams(_ key: String, format: WireFormat, defaultName: String) -> [UpstreamEntry] {
            guard let list = document[key]?.arrayValue else { return [] }
            return list.enumerated().compactMap { index, item in
                guard item.objectValue != nil else {
                    notes.append("\(key)[\(index)] is not an object; skipped")
                    return nil
                }
                return entry(item, format: format, defaultName: "\(defaultName)-\(index + 1)")
            }
        }
        file.pools.claude = upstreams("api_configs", format: .anthropic, defaultName: "API")
        file.pools.codex = upstreams("codex_configs", format: .openAIResponses, defaultName: "Codex")
        var openai = upstreams("openai_to_claude_configs", format: .anthropic, defaultName: "OpenAI2Claude")
        if openai.isEmpty, let single = document["openai_to_claude_config"], single.objectValue != nil {
            var migrated = entry(single, format: .anthropic, defaultName: "OpenAI2Claude-1")
            migrated.enabled = true
            openai = [migrated]
        }
        for index in openai.indices { openai[index].role = .primary }
        file.pools.openai = openai
        file.retryNodes = upstreams("retry_configs", format: .anthropic, defaultName: "retry")
        for index in file.retryNodes.indices { file.retryNodes[index].role = .primary }

        if let rules = document["model_conversions"]?.arrayValue {
            for (index, rule) in rules.enumerated() {
                guard let source = rule["source_model"]?.stringValue, let target = rule["target_model"]?.stringValue else {
                    notes.append("model_conversions[\(index)] has no source_model/target_model; skipped")
                    continue
                }
                let name = rule["name"]?.stringValue ?? "rule-\(index + 1)"
                if rule["conversion_type"]?.stringValue == "full_format" {
                    notes.append("model rule \"\(name)\" used full_format; it is now a plain rename of the model field")
                }
                file.modelRules.append(
                    ModelRule(name: name, source: source, target: target, match: .exact, enabled: rule["enabled"]?.boolValue ?? true))
            }
        }

        if let timeouts = document["timeout_settings"] {
            func number(_ key: String) -> Double? { timeouts[key]?.numberValue }
            if let value = number("connect_timeout"), value > 0 { file.timeouts.connect = value }
            if let value = number("streaming_read_timeout"), value > 0 {
                file.timeouts.firstByte = value
                file.timeouts.idle = value
            }
            if let value = number("non_streaming_read_timeout"), value > 0 { file.timeouts.total = value }
            if let value = number("api_error_threshold") { file.health.errorThreshold = max(1, Int(value)) }
            if let value = number("api_cooldown_seconds"), value > 0 {
                // The original cooled a key for exactly this long; keep it as the first step.
                file.health.cooldownSeconds = value
                file.health.cooldownMaxSeconds = max(value, file.health.cooldownMaxSeconds)
            }
            if let value = number("primary_api_check_interval"), value > 0 { file.health.primaryCheckInterval = value }
            if let value = number("max_retries") { file.retry.maxAttempts = max(1, Int(value)) }
        }

        if let strategies = document["error_handling_strategies"] {
            for member in strategies["http_status_codes"]?.objectValue?.members ?? [] {
                guard let name = member.value.stringValue else { continue }
                let strategy: ErrorStrategies.Strategy? =
                    switch name {
                    case "switch_api": .switch
                    case "strategy_retry": .strategy
                    case "normal_retry": ErrorStrategies.Strategy.none
                    default: nil
                    }
                if let strategy, member.key == "default" || Int(member.key).map({ (100...599).contains($0) }) == true {
                    file.errorStrategies.httpStatus[member.key] = strategy
                } else {
                    notes.append("error_handling_strategies.http_status_codes.\(member.key) = \(name) not understood; dropped")
                }
            }
            let networkMap = [
                "ConnectError": ["connect_error", "connect_timeout"], "ReadTimeout": ["first_byte_timeout", "idle_timeout"],
                "ReadError": ["reset"], "default": ["default"],
            ]
            for member in strategies["network_errors"]?.objectValue?.members ?? [] {
                guard let name = member.value.stringValue, let classes = networkMap[member.key] else {
                    notes.append("error_handling_strategies.network_errors.\(member.key) not understood; dropped")
                    continue
                }
                let strategy: ErrorStrategies.Strategy? =
                    switch name {
                    case "switch_api": .switch
                    case "strategy_retry": .strategy
                    case "normal_retry": .retry
                    default: nil
                    }
                guard let strategy else { continue }
                for errorClass in classes { file.errorStrategies.network[errorClass] = strategy }
            }
        }

        var legacy = JSONObject()
        for key in ["timeout_settings", "optimization_settings"] {
            if let value = document[key] { legacy[key] = value }
        }
        file.legacy = legacy.isEmpty ? nil : .object(legacy)
        file.timeZone = nil
        return Result(file: file, notes: notes)
    }

    private static func entry(_ item: JSONValue, format: WireFormat, defaultName: String) -> UpstreamEntry {
        var weekdays = Array(repeating: true, count: 7)
        if let days = item["time_enabled"]?.arrayValue, days.count == 7 {
            weekdays = days.map { day in day.boolValue ?? ((day.numberValue ?? 0) != 0) }
        }
        var activation: Activation?
        if item["activation_enabled"] != nil || item["activation_time"] != nil {
            activation = Activation(
                enabled: item["activation_enabled"]?.boolValue ?? false, time: item["activation_time"]?.stringValue ?? "08:00")
        }
        let name = item["name"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 } ?? defaultName
        return UpstreamEntry(
            name: name,
            baseURL: (item["base_url"]?.stringValue ?? "").trimmingCharacters(in: .whitespacesAndNewlines),
            key: (item["key"]?.stringValue ?? "").trimmingCharacters(in: .whitespacesAndNewlines),
            format: format, auth: .bearer,
            role: item["type"]?.stringValue == "backup" ? .backup : .primary,
            enabled: item["enabled"]?.boolValue ?? true, weekdays: weekdays, activation: activation)
    }
}
