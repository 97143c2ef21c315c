import Foundation
public import Hummingbird
import Logging
public import RelayConfig
import RelayCore

/// The admin API (docs/ADMIN-API.md): login, the whole config, pools, retry nodes, model rules,
/// clients, settings, reload, the original project's endpoints and the OpenAPI document.
///
/// Access control is `AdminAuthMiddleware`'s job (it runs before these routes); these handlers
/// validate, edit through `AdminConfigEditor` and never return a secret unmasked.
public struct AdminAPI: Sendable {
    let guardian: AdminGuard
    let editor: AdminConfigEditor

    public init(guard guardian: AdminGuard, store: ConfigStore?, environment: [String: String]) {
        self.guardian = guardian
        self.editor = AdminConfigEditor(runtime: guardian.runtime, store: store, environment: environment)
    }

    typealias Handler = @Sendable (Request, RelayRequestContext) async throws(AdminFailure) -> Response

    static func wrap(_ handler: @escaping Handler) -> @Sendable (Request, RelayRequestContext) async throws -> Response {
        { request, context in
            do throws(AdminFailure) {
                return try await handler(request, context)
            } catch {
                return error.response
            }
        }
    }

    public func register(on router: Router<RelayRequestContext>) {
        registerSession(on: router)
        router.get("/api/openapi.json") { _, _ in
            var headers = HTTPFields()
            headers[.cacheControl] = "no-cache"
            headers[.contentType] = "application/json; charset=utf-8"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: AdminOpenAPI.serialized)))
        }
        router.get("/api/config", use: Self.wrap { _, _ throws(AdminFailure) in getConfig() })
        router.put("/api/config", use: Self.wrap { request, _ throws(AdminFailure) in try await putConfig(request) })
        router.get("/api/settings", use: Self.wrap { _, _ throws(AdminFailure) in getSettings() })
        router.put("/api/settings", use: Self.wrap { request, _ throws(AdminFailure) in try await putSettings(request) })
        router.post("/api/reload", use: Self.wrap { _, _ throws(AdminFailure) in reload() })

        router.get("/api/pools/{pool}", use: Self.wrap { _, context throws(AdminFailure) in try listItems(try pool(context)) })
        router.post("/api/pools/{pool}", use: Self.wrap { request, context throws(AdminFailure) in try await add(request, try pool(context)) })
        registerItemRoutes(on: router, base: "/api/pools/{pool}") { context throws(AdminFailure) in try pool(context) }

        router.get("/api/model-rules", use: Self.wrap { _, _ throws(AdminFailure) in try listItems(.modelRules) })
        router.post("/api/model-rules", use: Self.wrap { request, _ throws(AdminFailure) in try await add(request, .modelRules) })
        registerItemRoutes(on: router, base: "/api/model-rules") { _ throws(AdminFailure) in .modelRules }

        router.get("/api/clients", use: Self.wrap { _, _ throws(AdminFailure) in try listItems(.clients) })
        router.post("/api/clients", use: Self.wrap { request, _ throws(AdminFailure) in try await add(request, .clients) })
        router.delete("/api/clients/{index}", use: Self.wrap { request, context throws(AdminFailure) in try await itemAction(request, context, .clients, .delete) })

        LegacyAdminAPI(editor: editor).register(on: router)
    }

    private func registerItemRoutes(
        on router: Router<RelayRequestContext>, base: String, list: @escaping @Sendable (RelayRequestContext) throws(AdminFailure) -> AdminList
    ) {
        router.put("\(base)/{index}", use: Self.wrap { request, context throws(AdminFailure) in try await itemAction(request, context, try list(context), .update) })
        router.delete("\(base)/{index}", use: Self.wrap { request, context throws(AdminFailure) in try await itemAction(request, context, try list(context), .delete) })
        router.post("\(base)/{index}/toggle", use: Self.wrap { request, context throws(AdminFailure) in try await itemAction(request, context, try list(context), .toggle) })
        router.post("\(base)/{index}/move", use: Self.wrap { request, context throws(AdminFailure) in try await itemAction(request, context, try list(context), .move) })
        router.post("\(base)/{index}/duplicate", use: Self.wrap { request, context throws(AdminFailure) in try await itemAction(request, context, try list(context), .duplicate) })
    }

    // MARK: Session

    private func registerSession(on router: Router<RelayRequestContext>) {
        router.get("/api/session") { request, _ in
            let config = guardian.runtime.configs.snapshot
            let authenticated = (try? guardian.authenticate(request, config: config)) != nil
            return AdminJSON.response(["authenticated": .bool(authenticated)])
        }
        router.post("/api/login", use: Self.wrap { request, context throws(AdminFailure) in try await login(request, context) })
        router.post("/api/logout", use: Self.wrap { request, _ throws(AdminFailure) in
            try guardian.checkSameOrigin(request, requireEvidence: false)
            if let id = AdminGuard.sessionCookie(request) { guardian.sessions.close(id) }
            var headers = HTTPFields()
            headers[.setCookie] = guardian.clearedCookieHeader()
            headers[.cacheControl] = "no-store"
            return Response(status: .noContent, headers: headers)
        })
    }

    func login(_ request: Request, _ context: RelayRequestContext) async throws(AdminFailure) -> Response {
        try guardian.checkSameOrigin(request, requireEvidence: false)
        if let wait = guardian.throttle.attempt(from: AdminGuard.peer(context)) {
            var failure = AdminFailure(
                status: .tooManyRequests, type: "rate_limit_error", message: "too many login attempts; try again in \(wait) s")
            failure.headers[.retryAfter] = String(wait)
            throw failure
        }
        guard let body = try await AdminJSON.body(request, limit: 16 << 10) else { throw AdminFailure.badRequest("send {\"token\": \"…\"}") }
        try AdminSchemas.check(body, "Login")
        let config = guardian.runtime.configs.snapshot
        guard let token = body["token"]?.stringValue, let credential = AdminCredential.match(token, accepted: guardian.accepted(config)),
            !AdminGuard.isClientKey(token, config: config)
        else {
            context.logger.notice("admin login failed", metadata: ["peer": "\(AdminGuard.peer(context))"])
            throw AdminFailure.unauthorized("the admin token is wrong")
        }
        if let old = AdminGuard.sessionCookie(request) { guardian.sessions.close(old) }
        let id = guardian.sessions.open(credential: credential)
        let ttl = Int((config.file.admin ?? AdminSettings()).sessionTTLSeconds)
        var headers = HTTPFields()
        headers[.setCookie] = guardian.sessionCookieHeader(id, maxAge: ttl)
        headers[.cacheControl] = "no-store"
        context.logger.info("admin login", metadata: ["peer": "\(AdminGuard.peer(context))"])
        return Response(status: .noContent, headers: headers)
    }

    // MARK: Config and settings

    func getConfig() -> Response {
        let (config, version) = editor.current()
        let document = AdminSecrets.mask(AdminConfigEditor.document(config.file))
        return AdminJSON.response(AdminJSON.object([("version", .string(version)), ("config", document)]), version: version)
    }

    func putConfig(_ request: Request) async throws(AdminFailure) -> Response {
        guard let body = try await AdminJSON.body(request) else { throw AdminFailure.badRequest("send {\"config\": {…}, \"version\": \"…\"}") }
        try AdminSchemas.check(body, "ConfigPut")
        let expected = Self.expectedVersion(request, body)
        let replacement = body["config"] ?? .object(JSONObject())
        let outcome = try editor.mutate(expected: expected) { document, _ throws(AdminFailure) in
            document = replacement
        }
        return AdminJSON.response(
            AdminJSON.object([("version", .string(outcome.version)), ("config", AdminSecrets.mask(outcome.document))]), version: outcome.version)
    }

    static let settingsKeys = ["time_zone", "proxy", "server", "timeouts", "health", "retry", "error_strategies", "usage", "admin"]

    static func settings(of document: JSONValue) -> JSONValue {
        var object = JSONObject()
        for key in settingsKeys {
            var value = document[key] ?? .null
            if key == "admin", value.isNull { value = AdminConfigEditor.document(ConfigFile(admin: AdminSettings()))["admin"] ?? .null }
            object[key] = value
        }
        return AdminSecrets.mask(.object(object))
    }

    func getSettings() -> Response {
        let (config, version) = editor.current()
        let settings = Self.settings(of: AdminConfigEditor.document(config.file))
        return AdminJSON.response(AdminJSON.object([("version", .string(version)), ("settings", settings)]), version: version)
    }

    func putSettings(_ request: Request) async throws(AdminFailure) -> Response {
        guard let body = try await AdminJSON.body(request) else { throw AdminFailure.badRequest("send an object of settings sections") }
        try AdminSchemas.check(body, "Settings")
        let expected = Self.expectedVersion(request, body)
        let patch = body.objectValue ?? JSONObject()
        let outcome = try editor.mutate(expected: expected) { document, _ throws(AdminFailure) in
            for member in patch.members where member.key != "version" {
                if member.value.isNull {
                    var object = document.objectValue ?? JSONObject()
                    object[member.key] = nil
                    document = .object(object)
                } else if let fields = member.value.objectValue, let existing = document[member.key], existing.objectValue != nil {
                    document.set(existing.merged(with: fields), at: [member.key])
                } else {
                    document.set(member.value, at: [member.key])
                }
            }
        }
        return AdminJSON.response(
            AdminJSON.object([("version", .string(outcome.version)), ("settings", Self.settings(of: outcome.document))]), version: outcome.version)
    }

    func reload() -> Response {
        switch editor.reload() {
        case .unchanged:
            let version = editor.current().version
            return AdminJSON.response(
                AdminJSON.object([("success", true), ("message", "配置未变化，无需重新加载 (the file has not changed)"), ("version", .string(version))]),
                version: version)
        case .reloaded:
            let version = editor.current().version
            return AdminJSON.response(
                AdminJSON.object([("success", true), ("message", "已重新加载 (reloaded all_configs.json)"), ("version", .string(version))]),
                version: version)
        case .invalid(let error):
            var failure = AdminFailure.invalid(error.issues, message: "all_configs.json is not valid; the running config stays")
            failure.extra = [("success", false), ("message", .string("配置重新加载失败: all_configs.json is not valid; the running config stays"))]
            return failure.response
        }
    }

    // MARK: Lists

    func pool(_ context: RelayRequestContext) throws(AdminFailure) -> AdminList {
        guard let name = context.parameters.get("pool"), let list = AdminList(rawValue: name), AdminList.upstreamLists.contains(list) else {
            throw AdminFailure.notFound("no such pool; use claude, codex, openai or retry_nodes")
        }
        return list
    }

    static func expectedVersion(_ request: Request, _ body: JSONValue?) -> String? {
        if let header = request.headers[.ifMatch], !header.isEmpty { return header }
        return body?["version"]?.stringValue
    }

    static func index(_ context: RelayRequestContext, count: Int, list: AdminList) throws(AdminFailure) -> Int {
        guard let text = context.parameters.get("index"), text.count <= 9, let index = Int(text), text.allSatisfy(\.isNumber),
            (0..<count).contains(index)
        else {
            throw AdminFailure.notFound("no entry at that index in \(list.pathString) (it has \(count))")
        }
        return index
    }

    static func maskedItems(_ document: JSONValue, _ list: AdminList) -> [JSONValue] {
        document.list(list).map { AdminSecrets.mask($0) }
    }

    func listItems(_ list: AdminList) throws(AdminFailure) -> Response {
        let (config, version) = editor.current()
        let document = AdminConfigEditor.document(config.file)
        var members: [(String, JSONValue)] = [("version", .string(version))]
        if list != .modelRules, list != .clients { members.append(("pool", .string(list.rawValue))) }
        members.append(("items", .array(Self.maskedItems(document, list))))
        return AdminJSON.response(AdminJSON.object(members), version: version)
    }

    static func schemaNames(_ list: AdminList) -> (new: String, patch: String) {
        switch list {
        case .modelRules: ("ModelRuleNew", "ModelRulePatch")
        case .clients: ("NewClient", "NewClient")
        default: ("UpstreamNew_\(list.rawValue)", "UpstreamPatch_\(list.rawValue)")
        }
    }

    static func uniqueName(_ base: String, among items: [JSONValue], copyStyle: Bool = false) -> String {
        let names = Set(items.compactMap { $0["name"]?.stringValue })
        if !names.contains(base) { return base }
        var counter = 2
        while true {
            let candidate = copyStyle && base.hasSuffix(")") ? String(base.dropLast()) + " \(counter))" : "\(base) \(counter)"
            if !names.contains(candidate) { return candidate }
            counter += 1
        }
    }

    static func defaultName(_ list: AdminList, items: [JSONValue]) -> String {
        uniqueName("\(list.defaultNamePrefix)-\(items.count + 1)", among: items)
    }

    func add(_ request: Request, _ list: AdminList) async throws(AdminFailure) -> Response {
        let body = try await AdminJSON.body(request) ?? .object(JSONObject())
        let current = editor.current().config
        let count = AdminConfigEditor.document(current.file).list(list).count
        try AdminSchemas.check(body, Self.schemaNames(list).new, path: "\(list.pathString)[\(count)]")
        let expected = Self.expectedVersion(request, body)
        var item = body.objectValue ?? JSONObject()
        item["version"] = nil
        var generatedKey: String?
        if list == .clients, item["key"] == nil || item["key"] == .null {
            let key = ConfigStore.generateClientKey()
            item["key"] = .string(key)
            generatedKey = key
        }
        var addedIndex = 0
        let fields = item
        let outcome = try editor.mutate(expected: expected) { document, _ throws(AdminFailure) in
            var items = document.list(list)
            var entry = JSONObject()
            for member in fields.members where !member.value.isNull { entry[member.key] = member.value }
            if (entry["name"]?.stringValue ?? "").isEmpty { entry["name"] = .string(Self.defaultName(list, items: items)) }
            items.append(.object(entry))
            addedIndex = items.count - 1
            document.setList(list, items)
        }
        let items = Self.maskedItems(outcome.document, list)
        var members: [(String, JSONValue)] = [("version", .string(outcome.version)), ("index", .number(Double(addedIndex)))]
        members.append(("item", items.indices.contains(addedIndex) ? items[addedIndex] : .null))
        if let generatedKey { members.append(("key", .string(generatedKey))) }
        return AdminJSON.response(AdminJSON.object(members), version: outcome.version, status: .created)
    }

    enum ItemAction { case update, delete, toggle, move, duplicate }

    func itemAction(_ request: Request, _ context: RelayRequestContext, _ list: AdminList, _ action: ItemAction) async throws(AdminFailure) -> Response {
        let count = AdminConfigEditor.document(editor.current().config.file).list(list).count
        let index = try Self.index(context, count: count, list: list)
        let body = try await AdminJSON.body(request)
        switch action {
        case .update: try AdminSchemas.check(body ?? .object(JSONObject()), Self.schemaNames(list).patch, path: "\(list.pathString)[\(index)]")
        case .move:
            guard let body else { throw AdminFailure.invalid([ConfigIssue(path: "direction", message: "required key is missing")]) }
            try AdminSchemas.check(body, "Move")
        case .delete, .toggle, .duplicate: if let body { try AdminSchemas.check(body, "VersionOnly") }
        }
        let expected = Self.expectedVersion(request, body)
        var resultIndex = index
        var removed: JSONValue = .null
        let outcome = try editor.mutate(expected: expected) { document, _ throws(AdminFailure) in
            var items = document.list(list)
            guard items.indices.contains(index) else { throw AdminFailure.notFound("no entry at that index in \(list.pathString)") }
            switch action {
            case .update:
                var patch = body?.objectValue ?? JSONObject()
                patch["version"] = nil
                items[index] = items[index].merged(with: patch)
            case .delete:
                removed = AdminSecrets.mask(items.remove(at: index))
            case .toggle:
                let enabled = items[index]["enabled"]?.boolValue ?? true
                items[index] = items[index].merged(with: ["enabled": .bool(!enabled)])
            case .move:
                let item = items.remove(at: index)
                switch body?["direction"]?.stringValue {
                case "up": resultIndex = max(0, index - 1)
                case "down": resultIndex = min(items.count, index + 1)
                case "top": resultIndex = 0
                default: resultIndex = items.count
                }
                items.insert(item, at: resultIndex)
            case .duplicate:
                let original = items[index]
                let name = (original["name"]?.stringValue).flatMap { $0.isEmpty ? nil : $0 } ?? "\(list.defaultNamePrefix)-\(index + 1)"
                let copy = original.merged(with: ["name": .string(Self.uniqueName("\(name) (copy)", among: items, copyStyle: true))])
                resultIndex = index + 1
                items.insert(copy, at: resultIndex)
            }
            document.setList(list, items)
        }
        let items = Self.maskedItems(outcome.document, list)
        var members: [(String, JSONValue)] = [("version", .string(outcome.version)), ("index", .number(Double(resultIndex)))]
        if action == .delete {
            members.append(("item", removed))
        } else {
            let item = items.indices.contains(resultIndex) ? items[resultIndex] : .null
            members.append(("item", item))
            if action == .toggle { members.append(("enabled", .bool(item["enabled"]?.boolValue ?? true))) }
        }
        return AdminJSON.response(AdminJSON.object(members), version: outcome.version, status: action == .duplicate ? .created : .ok)
    }
}
