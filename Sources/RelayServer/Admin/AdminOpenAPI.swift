import Foundation
import Hummingbird
import RelayConfig
import RelayCore

/// The OpenAPI 3.1 document of the admin API, served at `GET /api/openapi.json`.
///
/// Built from the same operation list the middleware uses for 405 answers and from the same
/// schemas the handlers validate with, so document and server agree by construction.
enum AdminOpenAPI {
    struct Operation {
        var method: String
        var path: String
        var summary: String
        var tag: String
        var body: String? = nil
        var bodyRequired = true
        var success: (code: String, description: String, schema: JSONValue?)
        var indexed = false
        var pooled = false
        var conditional = false
        var isPublic = false
        var extraResponses: [(String, String)] = []
        /// Query parameters (OpenAPI parameter objects without `in`).
        var query: [JSONValue] = []
        /// Media types of the success answer (JSON when empty).
        var produces: [String] = []
    }

    /// `period` / `from` / `to` of the token-stats routes.
    static let statsQuery: [JSONValue] = [
        [
            "name": "period", "required": false, "description": "today, Nd (1-3660 days including today) or all (default)",
            "schema": ["type": "string", "pattern": "^(today|all|[1-9][0-9]{0,2}d|[1-2][0-9]{3}d|3[0-5][0-9]{2}d|36[0-5][0-9]d|3660d)$"],
        ],
        [
            "name": "from", "required": false, "description": "first local day included, YYYY-MM-DD (replaces period; open when absent)",
            "schema": ["type": "string", "format": "date"],
        ],
        [
            "name": "to", "required": false, "description": "last local day included, YYYY-MM-DD (replaces period; up to today when absent)",
            "schema": ["type": "string", "format": "date"],
        ],
    ]

    static let itemResult = "ItemResult"

    static var operations: [Operation] {
        var ops: [Operation] = []
        // Session
        ops.append(
            Operation(
                method: "post", path: "/api/login", summary: "Log in with the admin token; sets the HttpOnly session cookie", tag: "session",
                body: "Login", success: ("204", "logged in; Set-Cookie: sy_session=…; HttpOnly; SameSite=Strict; Path=/", nil), isPublic: true,
                extraResponses: [("401", "wrong token"), ("429", "too many attempts from this address; see Retry-After")]))
        ops.append(
            Operation(
                method: "post", path: "/api/logout", summary: "End the session (clears the cookie)", tag: "session", bodyRequired: false,
                success: ("204", "logged out", nil), isPublic: true))
        ops.append(
            Operation(
                method: "get", path: "/api/session", summary: "Whether this request is authenticated (cookie or bearer)", tag: "session",
                success: ("200", "session state", out("Session")), isPublic: true))
        ops.append(
            Operation(
                method: "get", path: "/api/openapi.json", summary: "This document", tag: "meta", success: ("200", "OpenAPI 3.1", ["type": "object"]),
                isPublic: true))
        // Config and settings
        ops.append(Operation(method: "get", path: "/api/config", summary: "The whole config, secrets masked", tag: "config", success: ("200", "config", out("VersionedConfig"))))
        ops.append(
            Operation(
                method: "put", path: "/api/config", summary: "Replace the whole config (masked secrets keep their stored values)", tag: "config",
                body: "ConfigPut", success: ("200", "saved", out("VersionedConfig")), conditional: true))
        ops.append(
            Operation(
                method: "get", path: "/api/settings", summary: "time_zone, proxy, server, timeouts, health, retry, error_strategies, usage, admin", tag: "config",
                success: ("200", "settings", out("VersionedSettings"))))
        ops.append(
            Operation(
                method: "put", path: "/api/settings", summary: "Change settings; each given section is merged one level deep", tag: "config",
                body: "Settings", success: ("200", "saved", out("VersionedSettings")), conditional: true))
        ops.append(
            Operation(
                method: "post", path: "/api/reload", summary: "Re-read all_configs.json now (it is also watched)", tag: "config", bodyRequired: false,
                success: ("200", "reloaded or unchanged", out("ReloadResult"))))
        // Lists
        func listOps(base: String, tag: String, new: String, patch: String, pooled: Bool) -> [Operation] {
            [
                Operation(method: "get", path: base, summary: "List, in priority order, secrets masked", tag: tag, success: ("200", "entries", out("ItemList")), pooled: pooled),
                Operation(
                    method: "post", path: base, summary: "Add at the end (defaults filled in)", tag: tag, body: new, bodyRequired: !(new == "NewClient"),
                    success: ("201", "added", out(itemResult)), pooled: pooled, conditional: true),
                Operation(
                    method: "put", path: base + "/{index}", summary: "Change fields of one entry (given fields replace, null resets to default)", tag: tag,
                    body: patch, success: ("200", "saved", out(itemResult)), indexed: true, pooled: pooled, conditional: true),
                Operation(
                    method: "delete", path: base + "/{index}", summary: "Delete one entry", tag: tag, body: "VersionOnly", bodyRequired: false,
                    success: ("200", "deleted (the entry, masked)", out(itemResult)), indexed: true, pooled: pooled, conditional: true),
                Operation(
                    method: "post", path: base + "/{index}/toggle", summary: "Enable or disable", tag: tag, body: "VersionOnly", bodyRequired: false,
                    success: ("200", "toggled", out(itemResult)), indexed: true, pooled: pooled, conditional: true),
                Operation(
                    method: "post", path: base + "/{index}/move", summary: "Move up, down, to the top or the bottom (priority)", tag: tag, body: "Move",
                    success: ("200", "moved; index is the new position", out(itemResult)), indexed: true, pooled: pooled, conditional: true),
                Operation(
                    method: "post", path: base + "/{index}/duplicate", summary: "Insert a copy after the entry; its name gets \" (copy)\"", tag: tag,
                    body: "VersionOnly", bodyRequired: false, success: ("201", "the copy", out(itemResult)), indexed: true, pooled: pooled,
                    conditional: true),
            ]
        }
        for list in AdminList.upstreamLists {
            ops += listOps(
                base: "/api/pools/\(list.rawValue)", tag: "pools", new: "UpstreamNew_\(list.rawValue)", patch: "UpstreamPatch_\(list.rawValue)",
                pooled: false)
        }
        ops += listOps(base: "/api/model-rules", tag: "model-rules", new: "ModelRuleNew", patch: "ModelRulePatch", pooled: false)
        ops.append(Operation(method: "get", path: "/api/clients", summary: "Client keys, masked", tag: "clients", success: ("200", "clients", out("ItemList"))))
        ops.append(
            Operation(
                method: "post", path: "/api/clients", summary: "Add a client; without key the server generates one and returns it once (key)", tag: "clients",
                body: "NewClient", bodyRequired: false, success: ("201", "added", out(itemResult)), conditional: true))
        ops.append(
            Operation(
                method: "delete", path: "/api/clients/{index}", summary: "Delete a client key", tag: "clients", body: "VersionOnly", bodyRequired: false,
                success: ("200", "deleted", out(itemResult)), indexed: true, conditional: true))
        // The original project's endpoints
        for section in LegacyAdminAPI.sections {
            let rules = section.list == .modelRules
            let tag = "original"
            ops.append(
                Operation(
                    method: "get", path: section.path, summary: "Original shape: {\"configs\": […]}, keys masked", tag: tag,
                    success: ("200", "entries", out("LegacyList"))))
            ops.append(
                Operation(
                    method: "post", path: section.path, summary: "Add (original fields)", tag: tag, body: rules ? "LegacyModelRule" : "LegacyUpstream",
                    success: ("200", "{\"success\": true, \"message\": …}", out("LegacyResult")), conditional: true))
            ops.append(
                Operation(
                    method: "put", path: section.path + "/{index}", summary: "Update fields (original names)", tag: tag,
                    body: rules ? "LegacyModelRulePatch" : "LegacyUpstreamPatch", success: ("200", "updated", out("LegacyResult")), indexed: true,
                    conditional: true))
            ops.append(
                Operation(
                    method: "delete", path: section.path + "/{index}", summary: "Delete", tag: tag, bodyRequired: false,
                    success: ("200", "deleted", out("LegacyResult")), indexed: true, conditional: true))
            for (action, summary) in [("toggle", "Enable or disable"), ("duplicate", "Copy after the entry, name + (复制)")] {
                ops.append(
                    Operation(
                        method: "post", path: section.path + "/{index}/\(action)", summary: summary, tag: tag, bodyRequired: false,
                        success: ("200", "done", out("LegacyResult")), indexed: true, conditional: true))
            }
            ops.append(
                Operation(
                    method: "post", path: section.path + "/{index}/move", summary: "Move; 409 at the list's boundary", tag: tag, body: "LegacyMove",
                    success: ("200", "moved", out("LegacyResult")), indexed: true, conditional: true))
        }
        ops.append(
            Operation(method: "get", path: "/api/timeout", summary: "Original timeout_settings, mapped from ours", tag: "original", success: ("200", "settings", out("LegacySettings"))))
        ops.append(
            Operation(
                method: "put", path: "/api/timeout", summary: "Set original timeout fields (mapped per docs/CONFIG.md; the rest kept under legacy)",
                tag: "original", body: "LegacyTimeout", success: ("200", "saved", out("LegacyResult")), conditional: true))
        ops.append(
            Operation(
                method: "get", path: "/api/error-strategies", summary: "Original error_handling_strategies, mapped from ours", tag: "original",
                success: ("200", "strategies", out("LegacyStrategies"))))
        ops.append(
            Operation(
                method: "put", path: "/api/error-strategies", summary: "Replace the strategies (original or our names)", tag: "original",
                body: "LegacyErrorStrategies", success: ("200", "saved", out("LegacyResult")), conditional: true))
        ops.append(
            Operation(method: "get", path: "/api/optimization", summary: "Original optimization_settings (kept, not used)", tag: "original", success: ("200", "settings", out("LegacySettings"))))
        ops.append(
            Operation(
                method: "put", path: "/api/optimization", summary: "Set original optimization_settings", tag: "original", body: "LegacyOptimization",
                success: ("200", "saved", out("LegacyResult")), conditional: true))
        // Token statistics (the usage ledger)
        let noLedger = ("503", "the usage ledger is not running (usage.enabled is false)")
        ops.append(
            Operation(
                method: "get", path: "/api/token-stats", summary: "Token totals by model, upstream, client and day, with cost; the ledger's health",
                tag: "token-stats", success: ("200", "statistics", ["type": "object"]),
                extraResponses: [("400", "period, from or to is not valid"), noLedger], query: statsQuery))
        ops.append(
            Operation(
                method: "get", path: "/api/token-stats/export", summary: "Every request record of the period as CSV or JSON", tag: "token-stats",
                success: ("200", "the records", nil), extraResponses: [("400", "period, from or to is not valid"), noLedger],
                query: statsQuery + [["name": "format", "required": false, "schema": ["type": "string", "enum": ["json", "csv"]]]],
                produces: ["application/json", "text/csv"]))
        ops.append(
            Operation(
                method: "post", path: "/api/token-stats/reset", summary: "Clear all statistics after writing a JSON export to backups/",
                tag: "token-stats", bodyRequired: false, success: ("200", "cleared", ["type": "object"]), extraResponses: [noLedger]))
        ops.append(
            Operation(
                method: "post", path: "/api/token-stats/generate", summary: "The original's endpoint; statistics are recorded live, so it does nothing",
                tag: "token-stats", bodyRequired: false, success: ("200", "nothing to do", ["type": "object"])))
        // Status and health
        ops.append(Operation(method: "get", path: "/api/status", summary: "Upstream health, cooldowns, next activations, last 50 routing decisions", tag: "status", success: ("200", "status", ["type": "object"])))
        for (path, pool) in [("/api/reset-api-cooldown", "claude"), ("/api/reset-codex-cooldown", "codex"), ("/api/reset-openai-cooldown", "openai")] {
            ops.append(
                Operation(
                    method: "post", path: path, summary: "Clear cooldowns and disables in the \(pool) pool ({index} or {name} for one)", tag: "status",
                    body: "Reset", bodyRequired: false, success: ("200", "reset", out("ResetResult")), extraResponses: [("404", "no such upstream")]))
        }
        ops.append(
            Operation(
                method: "post", path: "/api/health/reset", summary: "Clear every cooldown and disable ({pool} for one pool)", tag: "status", body: "Reset",
                bodyRequired: false, success: ("200", "reset", out("ResetResult")), extraResponses: [("404", "no such upstream")]))
        return ops
    }

    // MARK: Response schemas

    static func out(_ name: String) -> JSONValue { ["$ref": .string("#/components/schemas/\(name)")] }

    /// Response schemas: the request schemas without value constraints (answers may show
    /// values written by hand or masked), plus the envelopes.
    static var responseSchemas: [String: JSONValue] {
        var schemas: [String: JSONValue] = [:]
        for (name, schema) in AdminSchemas.components { schemas[name + "Out"] = loosen(schema) }
        let string: JSONValue = ["type": "string"]
        let object: JSONValue = ["type": "object"]
        let issues: JSONValue = [
            "type": "array",
            "items": ["type": "object", "properties": ["path": string, "message": string], "required": ["path", "message"]],
        ]
        schemas["Error"] = [
            "type": "object",
            "properties": [
                "error": ["type": "object", "properties": ["message": string, "type": string], "required": ["message", "type"]],
                "issues": issues, "version": string, "success": ["type": "boolean"], "message": string,
            ],
            "required": ["error"],
        ]
        schemas["Session"] = ["type": "object", "properties": ["authenticated": ["type": "boolean"]], "required": ["authenticated"]]
        schemas["VersionedConfig"] = ["type": "object", "properties": ["version": string, "config": out("ConfigOut")], "required": ["version", "config"]]
        schemas["VersionedSettings"] = ["type": "object", "properties": ["version": string, "settings": out("SettingsOut")], "required": ["version", "settings"]]
        schemas["ReloadResult"] = [
            "type": "object", "properties": ["success": ["type": "boolean"], "message": string, "version": string], "required": ["success", "message"],
        ]
        schemas["ItemList"] = [
            "type": "object",
            "properties": ["version": string, "pool": string, "items": ["type": "array", "items": object]],
            "required": ["version", "items"],
        ]
        schemas[itemResult] = [
            "type": "object",
            "properties": [
                "version": string, "index": ["type": "integer"], "item": ["type": ["object", "null"]], "enabled": ["type": "boolean"],
                "key": ["type": "string", "description": "only when the server generated a client key: shown this once"],
            ],
            "required": ["version", "index", "item"],
        ]
        schemas["LegacyList"] = [
            "type": "object", "properties": ["configs": ["type": "array", "items": object], "version": string], "required": ["configs"],
        ]
        schemas["LegacyResult"] = [
            "type": "object", "properties": ["success": ["type": "boolean"], "message": string, "enabled": ["type": "boolean"], "version": string],
            "required": ["success", "message"],
        ]
        schemas["LegacySettings"] = ["type": "object", "properties": ["settings": object, "version": string], "required": ["settings"]]
        schemas["LegacyStrategies"] = [
            "type": "object",
            "properties": [
                "strategies": [
                    "type": "object", "properties": ["http_status_codes": object, "network_errors": object],
                    "required": ["http_status_codes", "network_errors"],
                ],
                "version": string,
            ],
            "required": ["strategies"],
        ]
        schemas["ResetResult"] = [
            "type": "object", "properties": ["success": ["type": "boolean"], "message": string, "reset": ["type": "integer"]],
            "required": ["success", "message"],
        ]
        return schemas
    }

    static let constraintKeywords: Set<String> = [
        "pattern", "minLength", "maxLength", "minimum", "maximum", "exclusiveMinimum", "minItems", "maxItems", "propertyNames", "enum",
        "required", "additionalProperties", "not",
    ]

    static func loosen(_ schema: JSONValue) -> JSONValue {
        switch schema {
        case .object(let object):
            var out = JSONObject()
            for member in object.members where !constraintKeywords.contains(member.key) {
                if member.key == "$ref", let ref = member.value.stringValue {
                    out["$ref"] = .string(ref + "Out")
                } else if member.key == "properties", let properties = member.value.objectValue {
                    var loosened = JSONObject()
                    for property in properties.members { loosened[property.key] = loosen(property.value) }
                    out["properties"] = .object(loosened)
                } else {
                    out[member.key] = loosen(member.value)
                }
            }
            return .object(out)
        case .array(let items):
            return .array(items.map(loosen))
        default:
            return schema
        }
    }

    // MARK: Document

    static let document: JSONValue = build()
    static let serialized: String = document.serialized()

    static func build() -> JSONValue {
        var paths = JSONObject()
        for op in operations {
            var item = paths[op.path]?.objectValue ?? JSONObject()
            item[op.method] = operationObject(op)
            paths[op.path] = .object(item)
        }
        var schemas = JSONObject()
        let all = AdminSchemas.components.merging(responseSchemas) { first, _ in first }
        for name in all.keys.sorted() { schemas[name] = all[name] }
        let info: JSONValue = [
            "title": "Switchyard admin API",
            "version": "1",
            "description": .string(
                "Admin API of the Switchyard relay (docs/ADMIN-API.md). Authenticate with Authorization: Bearer <admin token> or the sy_session cookie from POST /api/login (state-changing cookie requests must be same-origin). Reads return the config version (also as ETag); mutations accept If-Match or \"version\" and answer 409 when it is stale; without either, the last write wins. Secrets are write-only: answers show ****abcd and sending the masked value back keeps the stored secret."
            ),
        ]
        return [
            "openapi": "3.1.0",
            "info": info,
            "jsonSchemaDialect": "https://json-schema.org/draft/2020-12/schema",
            "security": [["bearerAuth": []], ["cookieAuth": []]],
            "paths": .object(paths),
            "components": [
                "schemas": .object(schemas),
                "securitySchemes": [
                    "bearerAuth": ["type": "http", "scheme": "bearer", "description": "the admin token (not a client key)"],
                    "cookieAuth": ["type": "apiKey", "in": "cookie", "name": .string(AdminGuard.cookieName)],
                ],
                "responses": [
                    "Error": ["description": "error", "content": ["application/json": ["schema": out("Error")]]]
                ],
            ],
        ]
    }

    static func operationObject(_ op: Operation) -> JSONValue {
        var object = JSONObject()
        object["summary"] = .string(op.summary)
        object["tags"] = [.string(op.tag)]
        object["operationId"] = .string(operationID(op))
        var parameters: [JSONValue] = []
        if op.pooled {
            parameters.append([
                "name": "pool", "in": "path", "required": true,
                "schema": ["type": "string", "enum": .array(AdminList.upstreamLists.map { .string($0.rawValue) })],
            ])
        }
        if op.indexed {
            parameters.append([
                "name": "index", "in": "path", "required": true, "description": "position in the list (0 = highest priority), disabled entries included",
                "schema": ["type": "integer", "minimum": 0, "maximum": 100_000],
            ])
        }
        if op.conditional {
            parameters.append([
                "name": "If-Match", "in": "header", "required": false,
                "description": "the config version (ETag) the change is based on; 409 when the config has changed since",
                "schema": ["type": "string", "maxLength": 200],
            ])
        }
        for parameter in op.query {
            guard case .object(var object) = parameter else { continue }
            object["in"] = "query"
            parameters.append(.object(object))
        }
        if !parameters.isEmpty { object["parameters"] = .array(parameters) }
        if let body = op.body {
            let schema: JSONValue
            if body.hasSuffix("_{pool}") {
                let prefix = String(body.dropLast("{pool}".count))
                schema = ["anyOf": .array(AdminList.upstreamLists.map { out(prefix + $0.rawValue) })]
            } else {
                schema = out(body)
            }
            object["requestBody"] = [
                "required": .bool(op.bodyRequired),
                "content": ["application/json": ["schema": schema]],
            ]
        }
        var responses = JSONObject()
        var success = JSONObject()
        success["description"] = .string(op.success.description)
        if let schema = op.success.schema { success["content"] = ["application/json": ["schema": schema]] }
        if !op.produces.isEmpty {
            var content = JSONObject()
            for type in op.produces { content[type] = [:] }
            success["content"] = .object(content)
        }
        if op.conditional || op.method == "get", op.success.code != "204", !op.isPublic, op.tag != "status", op.tag != "token-stats" {
            success["headers"] = ["ETag": ["description": "the config version", "schema": ["type": "string"]]]
        }
        if op.success.schema == out(itemResult), !op.indexed || op.method == "post" {
            // Stateful clients (schemathesis) can follow an added or moved entry to its other operations.
            var links = JSONObject()
            for other in operations where other.indexed && other.path.hasPrefix(op.path.components(separatedBy: "/{index}")[0] + "/{index}") {
                links["\(other.method)_\(other.path.split(separator: "/").last ?? "")"] = [
                    "operationId": .string(operationID(other)), "parameters": ["index": "$response.body#/index"],
                ]
            }
            if !links.isEmpty { success["links"] = .object(links) }
        }
        responses[op.success.code] = .object(success)
        func error(_ code: String, _ description: String) {
            responses[code] = ["description": .string(description), "content": ["application/json": ["schema": out("Error")]]]
        }
        if !op.isPublic {
            error("401", "no or wrong admin token / session")
        }
        error("403", "Host not allowed (DNS rebinding guard), or a cross-origin cookie request")
        if op.body != nil || op.conditional || op.method == "put" || (op.method == "post" && !op.isPublic) {
            error("400", "the body is not JSON, or If-Match is longer than 200 characters")
            error("413", "the body is too large")
            error("422", "invalid: issues lists each problem with its field path")
        }
        if op.indexed || op.pooled { error("404", "no such pool or no entry at that index") }
        if op.conditional { error("409", "stale version (If-Match / version), a conflicting value (duplicate name or key, max below min), or an invalid hand edit of the file") }
        if op.path == "/api/reload" { error("422", "the file is not valid; the running config stays") }
        for (code, description) in op.extraResponses { error(code, description) }
        object["responses"] = .object(responses)
        if op.isPublic { object["security"] = [] }
        return .object(object)
    }

    static func operationID(_ op: Operation) -> String {
        let words = op.path.split(separator: "/").filter { $0 != "api" }.map { segment -> String in
            segment.hasPrefix("{") ? "by_" + segment.dropFirst().dropLast() : String(segment)
        }
        return op.method + "_" + words.joined(separator: "_").replacingOccurrences(of: "-", with: "_").replacingOccurrences(of: ".", with: "_")
    }
}

/// Which methods each documented admin path accepts (for 405 with `Allow`).
enum AdminRoutes {
    static let table: [(segments: [Substring], methods: [HTTPRequest.Method])] = {
        var byPath: [String: [HTTPRequest.Method]] = [:]
        var order: [String] = []
        for op in AdminOpenAPI.operations {
            guard let method = HTTPRequest.Method(op.method.uppercased()) else { continue }
            if byPath[op.path] == nil { order.append(op.path) }
            byPath[op.path, default: []].append(method)
        }
        return order.map { path in (path.split(separator: "/"), byPath[path] ?? []) }
    }()

    /// The methods of the documented path matching `path`, or nil for a path the document does not know.
    static func allowedMethods(for path: String) -> [HTTPRequest.Method]? {
        let segments = path.split(separator: "/", omittingEmptySubsequences: false).dropFirst()
        var best: [HTTPRequest.Method]?
        var bestLiterals = -1
        for (pattern, methods) in table where pattern.count == segments.count {
            var literals = 0
            var matches = true
            for (expected, actual) in zip(pattern, segments) {
                if expected.hasPrefix("{") {
                    if actual.isEmpty { matches = false; break }
                } else if expected != actual {
                    matches = false
                    break
                } else {
                    literals += 1
                }
            }
            if matches, literals > bestLiterals {
                best = methods
                bestLiterals = literals
            }
        }
        return best
    }
}
