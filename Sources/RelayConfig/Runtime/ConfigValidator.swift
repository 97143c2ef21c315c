public import Foundation
public import RelayCore

/// Turns a `ConfigFile` into a `RuntimeConfig`, collecting every problem with its field path.
public enum ConfigValidator {
    /// - Parameter environment: consulted for `HTTPS_PROXY` / `NO_PROXY` when no proxy is configured.
    public static func validate(_ file: ConfigFile, environment: [String: String] = [:]) throws(ConfigError) -> RuntimeConfig {
        var issues: [ConfigIssue] = []
        var warnings: [String] = []

        if file.version != ConfigFile.currentVersion {
            issues.append(ConfigIssue(path: "version", message: "unsupported version \(file.version); this build reads \(ConfigFile.currentVersion)"))
        }
        if !(0...65535).contains(file.server.port) {
            issues.append(ConfigIssue(path: "server.port", message: "must be between 0 and 65535"))
        }
        if file.server.host.isEmpty { issues.append(ConfigIssue(path: "server.host", message: "must not be empty")) }
        if file.server.maxBodyBytes < 1024 {
            issues.append(ConfigIssue(path: "server.max_body_bytes", message: "must be at least 1024"))
        }
        if let tls = file.server.tls {
            if tls.certificate.isEmpty { issues.append(ConfigIssue(path: "server.tls.certificate", message: "must be a PEM file path")) }
            if tls.privateKey.isEmpty { issues.append(ConfigIssue(path: "server.tls.private_key", message: "must be a PEM file path")) }
        }

        var timeZone = TimeZone.current
        if let name = file.timeZone, !name.isEmpty, name != "local" {
            if let zone = TimeZone(identifier: name) {
                timeZone = zone
            } else {
                issues.append(ConfigIssue(path: "time_zone", message: "unknown time zone \"\(name)\" (use an IANA name such as Asia/Shanghai)"))
            }
        }

        var globalProxy: ProxySetting?
        var globalProxyDisabled = false
        if let text = file.proxy, !text.isEmpty {
            if text == "none" {
                globalProxyDisabled = true
            } else {
                switch ProxySetting.parse(text) {
                case .success(let proxy): globalProxy = proxy
                case .failure(let issue): issues.append(ConfigIssue(path: "proxy", message: issue.message))
                }
            }
        }
        let environmentProxy = globalProxyDisabled ? nil : EnvironmentProxy(environment: environment)

        var clients: [ClientCredential] = []
        var seenKeys: Set<String> = []
        for (index, client) in file.clients.enumerated() {
            let path = "clients[\(index)]"
            if client.key.isEmpty {
                issues.append(ConfigIssue(path: "\(path).key", message: "must not be empty"))
                continue
            }
            if !seenKeys.insert(client.key).inserted {
                issues.append(ConfigIssue(path: "\(path).key", message: "duplicates another client's key"))
            }
            if client.key.count < 16 {
                warnings.append("client \"\(client.name)\" has a weak key (\(client.key.count) characters); anyone who can reach the relay can guess it")
            }
            clients.append(ClientCredential(name: client.name.isEmpty ? "client-\(index + 1)" : client.name, key: client.key))
        }
        if clients.isEmpty {
            warnings.append("no client keys configured: every relay request will be rejected with 401")
        }

        var pools: [PoolName: [UpstreamTarget]] = [:]
        let lists: [(PoolName, [UpstreamEntry])] = [(.claude, file.pools.claude), (.codex, file.pools.codex), (.openai, file.pools.openai)]
        for (pool, entries) in lists {
            var targets: [UpstreamTarget] = []
            var names: Set<String> = []
            for (index, entry) in entries.enumerated() {
                let path = "pools.\(pool.rawValue)[\(index)]"
                let name = entry.name.isEmpty ? "\(pool.rawValue)-\(index + 1)" : entry.name
                if !names.insert(name).inserted {
                    issues.append(ConfigIssue(path: "\(path).name", message: "duplicates another upstream name in this pool"))
                }
                if let target = validate(
                    entry, path: path, pool: pool, index: index, name: name, globalProxy: globalProxy,
                    environmentProxy: environmentProxy, issues: &issues)
                {
                    targets.append(target)
                }
            }
            pools[pool] = targets
        }
        var retryNodes: [UpstreamTarget] = []
        for (index, entry) in file.retryNodes.enumerated() {
            let path = "retry_nodes[\(index)]"
            let name = entry.name.isEmpty ? "retry-\(index + 1)" : entry.name
            if let target = validate(
                entry, path: path, pool: .claude, index: index, name: name, globalProxy: globalProxy,
                environmentProxy: environmentProxy, issues: &issues, isRetryNode: true)
            {
                retryNodes.append(target)
            }
        }
        for (index, rule) in file.modelRules.enumerated() {
            if rule.source.isEmpty { issues.append(ConfigIssue(path: "model_rules[\(index)].source", message: "must not be empty")) }
            if rule.target.isEmpty { issues.append(ConfigIssue(path: "model_rules[\(index)].target", message: "must not be empty")) }
        }
        let timeoutFields: [(String, Double)] = [
            ("connect", file.timeouts.connect), ("first_byte", file.timeouts.firstByte), ("idle", file.timeouts.idle),
            ("total", file.timeouts.total),
        ]
        for (name, value) in timeoutFields where !(value > 0) || !value.isFinite || value > maxSeconds {
            issues.append(ConfigIssue(path: "timeouts.\(name)", message: "must be a positive number of seconds, at most \(Int(maxSeconds))"))
        }
        for (pool, override) in file.timeouts.pools.sorted(by: { $0.key < $1.key }) {
            if PoolName(rawValue: pool) == nil {
                issues.append(ConfigIssue(path: "timeouts.pools.\(pool)", message: "unknown pool; use claude, codex or openai"))
            }
            checkOverride(override, path: "timeouts.pools.\(pool)", issues: &issues)
        }
        checkOverride(file.timeouts.retryNodes, path: "timeouts.retry_nodes", issues: &issues)
        if let url = file.usage.databaseURL, !url.isEmpty, !(url.hasPrefix("postgres://") || url.hasPrefix("postgresql://")) {
            issues.append(ConfigIssue(path: "usage.database_url", message: "must be a postgres:// URL (or unset for SQLite in the data dir)"))
        }
        if let days = file.usage.retentionDays, days < 1 {
            issues.append(ConfigIssue(path: "usage.retention_days", message: "must be at least 1 (or unset to keep everything)"))
        }
        if !(file.usage.currencyPerUSD > 0) {
            issues.append(ConfigIssue(path: "usage.currency_per_usd", message: "must be positive"))
        }
        for (index, price) in file.usage.prices.enumerated() where price.model.isEmpty || price.input < 0 || price.output < 0 {
            issues.append(ConfigIssue(path: "usage.prices[\(index)]", message: "needs a model pattern and non-negative prices"))
        }
        if file.health.errorThreshold < 1 {
            issues.append(ConfigIssue(path: "health.error_threshold", message: "must be at least 1"))
        }
        let healthFields: [(String, Double)] = [
            ("cooldown_seconds", file.health.cooldownSeconds), ("cooldown_max_seconds", file.health.cooldownMaxSeconds),
            ("primary_check_interval", file.health.primaryCheckInterval), ("retry_after_cap_seconds", file.health.retryAfterCapSeconds),
            ("overload_cooldown_seconds", file.health.overloadCooldownSeconds),
        ]
        for (name, value) in healthFields where !(value > 0) || !value.isFinite || value > maxSeconds {
            issues.append(ConfigIssue(path: "health.\(name)", message: "must be a positive number of seconds, at most \(Int(maxSeconds))"))
        }
        if file.health.cooldownMaxSeconds < file.health.cooldownSeconds {
            issues.append(ConfigIssue(path: "health.cooldown_max_seconds", message: "must be at least cooldown_seconds"))
        }
        if file.retry.maxAttempts < 1 {
            issues.append(ConfigIssue(path: "retry.max_attempts", message: "must be at least 1"))
        }
        if file.retry.sameUpstreamRetries < 0 {
            issues.append(ConfigIssue(path: "retry.same_upstream_retries", message: "must not be negative"))
        }
        if !(file.retry.backoffBaseMs >= 0) || file.retry.backoffCapMs < file.retry.backoffBaseMs || file.retry.backoffCapMs > maxSeconds * 1000 {
            issues.append(ConfigIssue(path: "retry.backoff_cap_ms", message: "must be at least backoff_base_ms (both ≥ 0)"))
        }
        if !(file.retry.deadlineSeconds > 0) || file.retry.deadlineSeconds > maxSeconds {
            issues.append(ConfigIssue(path: "retry.deadline_seconds", message: "must be positive"))
        }
        if !(0...1).contains(file.retry.budgetRatio) {
            issues.append(ConfigIssue(path: "retry.budget_ratio", message: "must be between 0 and 1"))
        }
        if file.retry.budgetMinConcurrent < 0 {
            issues.append(ConfigIssue(path: "retry.budget_min_concurrent", message: "must not be negative"))
        }
        for key in file.errorStrategies.httpStatus.keys.sorted() where key != "default" {
            if Int(key).map({ !(100...599).contains($0) }) ?? true {
                issues.append(ConfigIssue(path: "error_strategies.http_status.\(key)", message: "keys must be HTTP status codes or \"default\""))
            }
        }
        for key in file.errorStrategies.network.keys.sorted() where !ErrorStrategies.networkClasses.contains(key) {
            issues.append(
                ConfigIssue(
                    path: "error_strategies.network.\(key)",
                    message: "unknown error class; use one of \(ErrorStrategies.networkClasses.joined(separator: ", "))"))
        }

        guard issues.isEmpty else { throw ConfigError(issues: issues) }
        return RuntimeConfig(
            file: file, server: file.server, timeZone: timeZone, clients: clients, pools: pools, timeouts: file.timeouts,
            retryNodes: retryNodes, warnings: warnings)
    }

    /// Longest duration any setting may name (30 days): larger values would overflow the
    /// millisecond arithmetic at request time.
    static let maxSeconds: Double = 30 * 86_400

    private static func checkOverride(_ override: TimeoutOverride, path: String, issues: inout [ConfigIssue]) {
        let fields: [(String, Double?)] = [("connect", override.connect), ("first_byte", override.firstByte), ("idle", override.idle), ("total", override.total)]
        for (name, value) in fields {
            if let value, !(value > 0) || !value.isFinite || value > maxSeconds {
                issues.append(ConfigIssue(path: "\(path).\(name)", message: "must be a positive number of seconds, at most \(Int(maxSeconds))"))
            }
        }
    }

    private static func validate(
        _ entry: UpstreamEntry, path: String, pool: PoolName, index: Int, name: String, globalProxy: ProxySetting?,
        environmentProxy: EnvironmentProxy?, issues: inout [ConfigIssue], isRetryNode: Bool = false
    ) -> UpstreamTarget? {
        let before = issues.count
        var url: UpstreamURL?
        switch UpstreamURL.parse(entry.baseURL) {
        case .success(let parsed): url = parsed
        case .failure(let issue): issues.append(ConfigIssue(path: "\(path).base_url", message: issue.message))
        }
        if entry.key.trimmingCharacters(in: .whitespaces).isEmpty {
            issues.append(ConfigIssue(path: "\(path).key", message: "must not be empty"))
        } else if entry.key.contains(where: { $0 == "\r" || $0 == "\n" }) {
            issues.append(ConfigIssue(path: "\(path).key", message: "must not contain line breaks"))
        }
        if entry.weekdays.count != 7 {
            issues.append(ConfigIssue(path: "\(path).weekdays", message: "must have 7 entries, Monday first"))
        }
        let format = entry.format ?? pool.naturalFormat
        if !pool.servableFormats.contains(format) {
            issues.append(
                ConfigIssue(
                    path: "\(path).format",
                    message: "\(format.rawValue) upstreams cannot serve the \(pool.rawValue) pool yet; use \(pool.servableFormats.map(\.rawValue).joined(separator: " or "))"))
        }
        if let activation = entry.activation, !isClockTime(activation.time) {
            issues.append(ConfigIssue(path: "\(path).activation.time", message: "must be HH:MM (24-hour)"))
        }
        var windows: [HourWindow] = []
        for (index, text) in (entry.hours ?? []).enumerated() {
            if let window = HourWindow.parse(text) {
                windows.append(window)
            } else {
                issues.append(ConfigIssue(path: "\(path).hours[\(index)]", message: "must be HH:MM-HH:MM, e.g. 09:00-18:00 or 22:00-02:00"))
            }
        }
        var proxy: ProxySetting?
        if let text = entry.proxy, !text.isEmpty {
            if text != "none" {
                switch ProxySetting.parse(text) {
                case .success(let parsed): proxy = parsed
                case .failure(let issue): issues.append(ConfigIssue(path: "\(path).proxy", message: issue.message))
                }
            }
        } else if let globalProxy {
            proxy = globalProxy
        } else if let url {
            proxy = environmentProxy?.proxy(for: url)
        }
        if let caFile = entry.caFile, caFile.isEmpty {
            issues.append(ConfigIssue(path: "\(path).ca_file", message: "must be a PEM file path"))
        }
        guard issues.count == before, let url else { return nil }
        return UpstreamTarget(
            id: "\(pool.rawValue)/\(name)", name: name, pool: pool, index: index, baseURL: url,
            key: entry.key.trimmingCharacters(in: .whitespaces), format: format,
            auth: entry.auth ?? (format == .anthropic ? .xAPIKey : .bearer), role: entry.role, enabled: entry.enabled,
            weekdays: entry.weekdays, hours: windows, proxy: proxy, caFile: entry.caFile, activation: entry.activation,
            isRetryNode: isRetryNode)
    }

    static func isClockTime(_ text: String) -> Bool {
        let parts = text.split(separator: ":")
        guard parts.count == 2, parts[0].count == 2, parts[1].count == 2, let hour = Int(parts[0]), let minute = Int(parts[1]) else {
            return false
        }
        return (0..<24).contains(hour) && (0..<60).contains(minute)
    }
}

extension PoolName {
    /// The format an entry gets when it names none.
    public var naturalFormat: WireFormat {
        switch self {
        case .claude, .openai: .anthropic
        case .codex: .openAIResponses
        }
    }

    /// Formats this build can serve for the pool's clients (pass-through only so far).
    public var servableFormats: [WireFormat] {
        switch self {
        case .claude, .openai: [.anthropic]
        case .codex: [.openAIResponses]
        }
    }
}

/// `HTTPS_PROXY` / `HTTP_PROXY` / `ALL_PROXY` and `NO_PROXY`, as curl reads them.
struct EnvironmentProxy {
    var https: ProxySetting?
    var http: ProxySetting?
    var noProxy: [String]

    init?(environment: [String: String]) {
        func read(_ names: String...) -> ProxySetting? {
            for name in names {
                if let value = environment[name] ?? environment[name.uppercased()], !value.isEmpty,
                    case .success(let proxy) = ProxySetting.parse(value.contains("://") ? value : "http://\(value)")
                {
                    return proxy
                }
            }
            return nil
        }
        https = read("https_proxy", "all_proxy")
        http = read("http_proxy", "all_proxy")
        guard https != nil || http != nil else { return nil }
        let list = environment["no_proxy"] ?? environment["NO_PROXY"] ?? ""
        noProxy = list.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }.filter { !$0.isEmpty }
    }

    func proxy(for url: UpstreamURL) -> ProxySetting? {
        let host = url.host.lowercased()
        for pattern in noProxy {
            if pattern == "*" { return nil }
            var bare = pattern.hasPrefix(".") ? String(pattern.dropFirst()) : pattern
            if let colon = bare.lastIndex(of: ":"), !bare.contains("]"), bare.filter({ $0 == ":" }).count == 1 {
                bare = String(bare[..<colon])
            }
            if host == bare || host.hasSuffix("." + bare) { return nil }
        }
        return url.isTLS ? https : http
    }
}
