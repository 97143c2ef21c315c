import Foundation
import Hummingbird
import RelayConfig
import RelayCore
import RelayRouting

/// The original project's admin endpoints (ORIGINAL.md §1.3–1.5), with its field names and
/// answer shapes, on top of our config: `/api/configs` (claude pool), `/api/codex`,
/// `/api/openai-to-claude`, `/api/retry` (retry nodes), `/api/model-conversion` (model rules),
/// `/api/timeout`, `/api/error-strategies`, `/api/optimization`.
///
/// Differences on purpose: keys are masked in answers (a masked key sent back keeps the stored
/// one), updates are validated, and a failure has a 4xx status besides `"success": false`.
struct LegacyAdminAPI: Sendable {
    let editor: AdminConfigEditor

    struct Section: Sendable {
        var path: String
        var list: AdminList
        var defaultName: @Sendable (Int) -> String
    }

    static let sections: [Section] = [
        Section(path: "/api/configs", list: .claude) { "API-\($0)" },
        Section(path: "/api/codex", list: .codex) { "Codex-\($0)" },
        Section(path: "/api/openai-to-claude", list: .openai) { "OpenAI转Claude-\($0)" },
        Section(path: "/api/retry", list: .retryNodes) { "第\($0)次重试" },
        Section(path: "/api/model-conversion", list: .modelRules) { "模型转换\($0)" },
    ]

    typealias Handler = @Sendable (Request, RelayRequestContext) async throws(AdminFailure) -> Response

    /// Failures carry `"success": false` and `"message"` as the original's UI expects.
    static func wrap(_ handler: @escaping Handler) -> @Sendable (Request, RelayRequestContext) async throws -> Response {
        { request, context in
            do throws(AdminFailure) {
                return try await handler(request, context)
            } catch {
                var failure = error
                let detail = failure.issues.isEmpty ? failure.message : failure.issues.map(\.description).joined(separator: "; ")
                failure.extra = [("success", false), ("message", .string(detail))] + failure.extra
                return failure.response
            }
        }
    }

    func register(on router: Router<RelayRequestContext>) {
        for section in Self.sections {
            router.get(RouterPath(section.path), use: Self.wrap { _, _ throws(AdminFailure) in list(section) })
            router.post(RouterPath(section.path), use: Self.wrap { request, _ throws(AdminFailure) in try await add(request, section) })
            router.put(RouterPath(section.path + "/{index}"), use: Self.wrap { request, context throws(AdminFailure) in try await act(request, context, section, .update) })
            router.delete(RouterPath(section.path + "/{index}"), use: Self.wrap { request, context throws(AdminFailure) in try await act(request, context, section, .delete) })
            router.post(RouterPath(section.path + "/{index}/toggle"), use: Self.wrap { request, context throws(AdminFailure) in try await act(request, context, section, .toggle) })
            router.post(RouterPath(section.path + "/{index}/move"), use: Self.wrap { request, context throws(AdminFailure) in try await act(request, context, section, .move) })
            router.post(RouterPath(section.path + "/{index}/duplicate"), use: Self.wrap { request, context throws(AdminFailure) in try await act(request, context, section, .duplicate) })
        }
        router.get("/api/timeout", use: Self.wrap { _, _ throws(AdminFailure) in getTimeout() })
        router.put("/api/timeout", use: Self.wrap { request, _ throws(AdminFailure) in try await putTimeout(request) })
        router.get("/api/error-strategies", use: Self.wrap { _, _ throws(AdminFailure) in getErrorStrategies() })
        router.put("/api/error-strategies", use: Self.wrap { request, _ throws(AdminFailure) in try await putErrorStrategies(request) })
        router.get("/api/optimization", use: Self.wrap { _, _ throws(AdminFailure) in getOptimization() })
        router.put("/api/optimization", use: Self.wrap { request, _ throws(AdminFailure) in try await putOptimization(request) })
    }

    static func success(_ message: String, version: String, extra: [(String, JSONValue)] = []) -> Response {
        AdminJSON.response(AdminJSON.object([("success", true)] + extra + [("message", .string(message)), ("version", .string(version))]), version: version)
    }

    // MARK: Mapping

    /// Our entry → the original's shape (key masked).
    static func legacyItem(_ item: JSONValue, list: AdminList) -> JSONValue {
        let masked = AdminSecrets.mask(item)
        if list == .modelRules {
            return AdminJSON.object([
                ("name", masked["name"] ?? ""), ("source_model", masked["source"] ?? ""), ("target_model", masked["target"] ?? ""),
                ("conversion_type", "simple_rename"), ("enabled", masked["enabled"] ?? true),
            ])
        }
        var members: [(String, JSONValue)] = [("name", masked["name"] ?? ""), ("base_url", masked["base_url"] ?? ""), ("key", masked["key"] ?? "")]
        switch list {
        case .claude, .codex:
            members.append(("type", masked["role"] ?? "primary"))
            members.append(("enabled", masked["enabled"] ?? true))
            let days = (masked["weekdays"]?.arrayValue ?? Array(repeating: .bool(true), count: 7)).map { day -> JSONValue in
                .number((day.boolValue ?? ((day.numberValue ?? 0) != 0)) ? 1 : 0)
            }
            members.append(("time_enabled", .array(days)))
            members.append(("activation_enabled", masked["activation"]?["enabled"] ?? false))
            members.append(("activation_time", masked["activation"]?["time"] ?? "08:00"))
        case .openai:
            members.append(("type", "openai_to_claude"))
            members.append(("enabled", masked["enabled"] ?? true))
        default:
            members.append(("enabled", masked["enabled"] ?? true))
        }
        return AdminJSON.object(members)
    }

    /// The original's fields in `body` → a patch of our entry (unknown fields ignored).
    static func patch(from body: JSONObject, list: AdminList, existing: JSONValue?) -> JSONObject {
        var patch = JSONObject()
        if list == .modelRules {
            if let value = body["name"] { patch["name"] = value }
            if let value = body["source_model"] { patch["source"] = value }
            if let value = body["target_model"] { patch["target"] = value }
            if let value = body["enabled"] { patch["enabled"] = value }
            return patch
        }
        for field in ["name", "base_url", "key", "enabled"] { if let value = body[field] { patch[field] = value } }
        if let type = body["type"]?.stringValue, type == "primary" || type == "backup" { patch["role"] = .string(type) }
        if let days = body["time_enabled"]?.arrayValue {
            patch["weekdays"] = .array(days.map { .bool($0.boolValue ?? (($0.numberValue ?? 0) != 0)) })
        }
        if body["activation_enabled"] != nil || body["activation_time"] != nil {
            var activation = existing?["activation"]?.objectValue ?? JSONObject()
            if let enabled = body["activation_enabled"] { activation["enabled"] = enabled }
            if let time = body["activation_time"] { activation["time"] = time }
            patch["activation"] = .object(activation)
        }
        return patch
    }

    // MARK: Lists

    func list(_ section: Section) -> Response {
        let (config, version) = editor.current()
        let items = AdminConfigEditor.document(config.file).list(section.list).map { Self.legacyItem($0, list: section.list) }
        return AdminJSON.response(AdminJSON.object([("configs", .array(items)), ("version", .string(version))]), version: version)
    }

    func add(_ request: Request, _ section: Section) async throws(AdminFailure) -> Response {
        guard let body = try await AdminJSON.body(request) else { throw AdminFailure.invalid([ConfigIssue(path: "", message: "send the entry as a JSON object")]) }
        try AdminSchemas.check(body, section.list == .modelRules ? "LegacyModelRule" : "LegacyUpstream")
        let fields = body.objectValue ?? JSONObject()
        let outcome = try editor.mutate(expected: request.headers[.ifMatch]) { document, _ throws(AdminFailure) in
            var items = document.list(section.list)
            var entry = Self.patch(from: fields, list: section.list, existing: nil)
            if (entry["name"]?.stringValue ?? "").isEmpty {
                entry["name"] = .string(AdminAPI.uniqueName(section.defaultName(items.count + 1), among: items))
            }
            if section.list != .modelRules, section.list != .codex { entry["auth"] = "bearer" }
            items.append(.object(entry))
            document.setList(section.list, items)
        }
        return Self.success("配置已添加", version: outcome.version)
    }

    enum Action { case update, delete, toggle, move, duplicate }

    func act(_ request: Request, _ context: RelayRequestContext, _ section: Section, _ action: Action) async throws(AdminFailure) -> Response {
        let count = AdminConfigEditor.document(editor.current().config.file).list(section.list).count
        guard let text = context.parameters.get("index"), text.count <= 9, text.allSatisfy(\.isNumber), let index = Int(text), (0..<count).contains(index)
        else {
            throw AdminFailure.notFound("配置不存在 (no entry at that index)")
        }
        let body = try await AdminJSON.body(request)
        switch action {
        case .update: try AdminSchemas.check(body ?? .object(JSONObject()), section.list == .modelRules ? "LegacyModelRulePatch" : "LegacyUpstreamPatch")
        case .move:
            guard let body else { throw AdminFailure.invalid([ConfigIssue(path: "direction", message: "required key is missing")]) }
            try AdminSchemas.check(body, "LegacyMove")
        case .delete, .toggle, .duplicate: break
        }
        var enabledNow = true
        let outcome = try editor.mutate(expected: request.headers[.ifMatch]) { document, _ throws(AdminFailure) in
            var items = document.list(section.list)
            guard items.indices.contains(index) else { throw AdminFailure.notFound("配置不存在 (no entry at that index)") }
            switch action {
            case .update:
                items[index] = items[index].merged(with: Self.patch(from: body?.objectValue ?? JSONObject(), list: section.list, existing: items[index]))
            case .delete:
                items.remove(at: index)
            case .toggle:
                enabledNow = !(items[index]["enabled"]?.boolValue ?? true)
                items[index] = items[index].merged(with: ["enabled": .bool(enabledNow)])
            case .move:
                let direction = body?["direction"]?.stringValue ?? ""
                let target: Int
                switch direction {
                case "up": target = index - 1
                case "down": target = index + 1
                case "top": target = 0
                default: target = items.count - 1
                }
                guard (0..<items.count).contains(target), target != index || direction == "top" || direction == "bottom" else {
                    throw AdminFailure(
                        status: .conflict, type: "conflict_error", message: direction == "up" ? "已经是第一个 (already first)" : "已经是最后一个 (already last)")
                }
                let item = items.remove(at: index)
                items.insert(item, at: target)
            case .duplicate:
                let original = items[index]
                let name = (original["name"]?.stringValue).flatMap { $0.isEmpty ? nil : $0 } ?? section.defaultName(index + 1)
                let copy = original.merged(with: ["name": .string(AdminAPI.uniqueName("\(name) (复制)", among: items, copyStyle: true))])
                items.insert(copy, at: index + 1)
            }
            document.setList(section.list, items)
        }
        switch action {
        case .update: return Self.success("配置已更新", version: outcome.version)
        case .delete: return Self.success("配置已删除", version: outcome.version)
        case .toggle:
            let extra: [(String, JSONValue)] = section.list == .openai ? [] : [("enabled", .bool(enabledNow))]
            return Self.success(enabledNow ? "配置已启用" : "配置已禁用", version: outcome.version, extra: extra)
        case .move: return Self.success("配置已移动", version: outcome.version)
        case .duplicate: return Self.success("配置已复制", version: outcome.version)
        }
    }

    // MARK: Timeouts (docs/CONFIG.md migration table, in both directions)

    static func legacyTimeouts(_ file: ConfigFile) -> JSONValue {
        let stored = file.legacy?["timeout_settings"]?.objectValue ?? JSONObject()
        var object = JSONObject()
        for (name, fallback) in AdminSchemas.legacyTimeoutFields { object[name] = stored[name] ?? .number(fallback) }
        object["modify_retry_headers"] = stored["modify_retry_headers"] ?? true
        object["connect_timeout"] = .number(file.timeouts.connect)
        object["streaming_read_timeout"] = .number(file.timeouts.firstByte)
        object["non_streaming_read_timeout"] = .number(file.timeouts.total)
        object["api_error_threshold"] = .number(Double(file.health.errorThreshold))
        object["api_cooldown_seconds"] = .number(file.health.cooldownSeconds)
        object["primary_api_check_interval"] = .number(file.health.primaryCheckInterval)
        object["max_retries"] = .number(Double(file.retry.maxAttempts))
        if let updated = stored["updated_at"] { object["updated_at"] = updated }
        return .object(object)
    }

    func getTimeout() -> Response {
        let (config, version) = editor.current()
        return AdminJSON.response(AdminJSON.object([("settings", Self.legacyTimeouts(config.file)), ("version", .string(version))]), version: version)
    }

    func putTimeout(_ request: Request) async throws(AdminFailure) -> Response {
        guard let body = try await AdminJSON.body(request) else { throw AdminFailure.invalid([ConfigIssue(path: "", message: "send the timeout settings as a JSON object")]) }
        try AdminSchemas.check(body, "LegacyTimeout")
        let fields = body.objectValue ?? JSONObject()
        let outcome = try editor.mutate(expected: request.headers[.ifMatch]) { document, _ throws(AdminFailure) in
            func number(_ name: String) -> Double? { fields[name]?.numberValue }
            if let value = number("connect_timeout") { document.set(.number(value), at: ["timeouts", "connect"]) }
            if let value = number("streaming_read_timeout") {
                document.set(.number(value), at: ["timeouts", "first_byte"])
                document.set(.number(value), at: ["timeouts", "idle"])
            }
            if let value = number("non_streaming_read_timeout") { document.set(.number(value), at: ["timeouts", "total"]) }
            if let value = number("api_error_threshold") { document.set(.number(Double(max(1, Int(value)))), at: ["health", "error_threshold"]) }
            if let value = number("api_cooldown_seconds") {
                document.set(.number(value), at: ["health", "cooldown_seconds"])
                let currentMax = document.value(at: ["health", "cooldown_max_seconds"])?.numberValue ?? 0
                document.set(.number(max(value, currentMax)), at: ["health", "cooldown_max_seconds"])
            }
            if let value = number("primary_api_check_interval") { document.set(.number(value), at: ["health", "primary_check_interval"]) }
            if let value = number("max_retries") { document.set(.number(Double(max(1, Int(value)))), at: ["retry", "max_attempts"]) }
            var carried = document.value(at: ["legacy", "timeout_settings"])?.objectValue ?? JSONObject()
            let mapped: Set<String> = [
                "connect_timeout", "streaming_read_timeout", "non_streaming_read_timeout", "api_error_threshold", "api_cooldown_seconds",
                "primary_api_check_interval", "max_retries",
            ]
            let known = Set(AdminSchemas.legacyTimeoutFields.map(\.0) + ["modify_retry_headers"])
            for member in fields.members where known.contains(member.key) && !mapped.contains(member.key) { carried[member.key] = member.value }
            carried["updated_at"] = .string(ISO8601DateFormatter().string(from: Date()))
            if document["legacy"]?.objectValue == nil, document["legacy"] != nil, document["legacy"] != .null {
                throw AdminFailure.invalid([ConfigIssue(path: "legacy", message: "is not an object, so the original's settings cannot be kept there")])
            }
            document.set(.object(carried), at: ["legacy", "timeout_settings"])
        }
        return Self.success("超时设置已更新", version: outcome.version)
    }

    // MARK: Error strategies

    static let legacyStatusRows = ["400", "401", "403", "404", "408", "429", "500", "502", "503", "504", "520", "521", "522", "524"]
    static let networkRows: [(String, String)] = [
        ("ReadError", "reset"), ("ConnectError", "connect_error"), ("ReadTimeout", "first_byte_timeout"), ("default", "default"),
    ]

    static func legacyName(_ strategy: ErrorStrategies.Strategy, network: Bool) -> String {
        switch strategy {
        case .switch: "switch_api"
        case .strategy: "strategy_retry"
        case .none: network ? "none" : "normal_retry"
        case .retry: network ? "normal_retry" : "retry"
        }
    }

    static func strategy(fromLegacy name: String, network: Bool) -> ErrorStrategies.Strategy? {
        switch name {
        case "switch_api": .switch
        case "strategy_retry": .strategy
        case "normal_retry": network ? .retry : ErrorStrategies.Strategy.none
        default: ErrorStrategies.Strategy(rawValue: name)
        }
    }

    func getErrorStrategies() -> Response {
        let (config, version) = editor.current()
        let configured = config.errorStrategies
        let policy = ErrorPolicy(configured)
        var http = JSONObject()
        let codes = Set(Self.legacyStatusRows).union(configured.httpStatus.keys.filter { $0 != "default" })
        for code in codes.sorted() {
            guard let status = Int(code) else { continue }
            let decision = policy.decide(.status(code: status, retryAfter: nil, signal: .none))
            http[code] = .string(Self.legacyName(decision.strategy, network: false))
        }
        http["default"] = .string(Self.legacyName(configured.httpStatus["default"] ?? .switch, network: false))
        var network = JSONObject()
        for (legacy, ours) in Self.networkRows {
            let strategy: ErrorStrategies.Strategy
            if let kind = NetworkErrorClass(rawValue: ours) {
                strategy = policy.decide(.network(kind)).strategy
            } else {
                strategy = configured.network["default"] ?? .switch
            }
            network[legacy] = .string(Self.legacyName(strategy, network: true))
        }
        let strategies = AdminJSON.object([("http_status_codes", .object(http)), ("network_errors", .object(network))])
        return AdminJSON.response(AdminJSON.object([("strategies", strategies), ("version", .string(version))]), version: version)
    }

    func putErrorStrategies(_ request: Request) async throws(AdminFailure) -> Response {
        guard let body = try await AdminJSON.body(request) else { throw AdminFailure.invalid([ConfigIssue(path: "", message: "send the strategies as a JSON object")]) }
        try AdminSchemas.check(body, "LegacyErrorStrategies")
        var http = JSONObject()
        for member in body["http_status_codes"]?.objectValue?.members ?? [] {
            if let name = member.value.stringValue, let strategy = Self.strategy(fromLegacy: name, network: false) {
                http[member.key] = .string(strategy.rawValue)
            }
        }
        let expansion: [String: [String]] = [
            "ConnectError": ["connect_error", "connect_timeout"], "ReadTimeout": ["first_byte_timeout", "idle_timeout"], "ReadError": ["reset"],
        ]
        var network = JSONObject()
        for member in body["network_errors"]?.objectValue?.members ?? [] {
            guard let name = member.value.stringValue, let strategy = Self.strategy(fromLegacy: name, network: true) else { continue }
            for errorClass in expansion[member.key] ?? [member.key] { network[errorClass] = .string(strategy.rawValue) }
        }
        let section = AdminJSON.object([("http_status", .object(http)), ("network", .object(network))])
        let outcome = try editor.mutate(expected: request.headers[.ifMatch]) { document, _ throws(AdminFailure) in
            document.set(section, at: ["error_strategies"])
        }
        return Self.success("错误处理策略已更新", version: outcome.version)
    }

    // MARK: Optimization (kept under legacy.optimization_settings)

    func getOptimization() -> Response {
        let (config, version) = editor.current()
        var settings = config.file.legacy?["optimization_settings"]?.objectValue ?? JSONObject()
        if settings["enable_cache_control_limit"]?.boolValue == nil { settings["enable_cache_control_limit"] = true }
        return AdminJSON.response(AdminJSON.object([("settings", .object(settings)), ("version", .string(version))]), version: version)
    }

    func putOptimization(_ request: Request) async throws(AdminFailure) -> Response {
        guard let body = try await AdminJSON.body(request) else { throw AdminFailure.invalid([ConfigIssue(path: "", message: "send the settings as a JSON object")]) }
        try AdminSchemas.check(body, "LegacyOptimization")
        var settings = JSONObject()
        if let flag = body["enable_cache_control_limit"] { settings["enable_cache_control_limit"] = flag }
        settings["updated_at"] = .string(ISO8601DateFormatter().string(from: Date()))
        let value = JSONValue.object(settings)
        let outcome = try editor.mutate(expected: request.headers[.ifMatch]) { document, _ throws(AdminFailure) in
            if document["legacy"]?.objectValue == nil, document["legacy"] != nil, document["legacy"] != .null {
                throw AdminFailure.invalid([ConfigIssue(path: "legacy", message: "is not an object, so the original's settings cannot be kept there")])
            }
            document.set(value, at: ["legacy", "optimization_settings"])
        }
        return Self.success("优化设置已更新", version: outcome.version)
    }
}
