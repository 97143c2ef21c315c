import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import RelayConfig
import RelayCore
@testable import RelayServer
import RelayTestSupport
import Testing

/// The admin API over real sockets: CRUD on every list, validation with field paths, optimistic
/// concurrency, backups, masking, and changes reaching the next relayed request.
@Suite(.serialized) struct AdminAPITests {
    @Test func listsAddUpdateToggleMoveDuplicateDelete() async throws {
        try await FakeUpstream.withRunning { fake in
            try await AdminFixture.run(fake: fake) { admin in
                let list = try await admin.json(.GET, "/api/pools/claude")
                #expect(list.status == 200)
                #expect(list.value["pool"]?.stringValue == "claude")
                #expect(list.value["items"]?.arrayValue?.count == 1)

                let added = try await admin.json(.POST, "/api/pools/claude", #"{"base_url":"https://relay-b.example/api","key":"sk-second-key-abcdefgh"}"#)
                #expect(added.status == 201)
                #expect(added.value["index"]?.intValue == 1)
                let item = try #require(added.value["item"])
                #expect(item["name"]?.stringValue == "claude-2", "a default name is filled in")
                #expect(item["role"]?.stringValue == "primary")
                #expect(item["enabled"]?.boolValue == true)
                #expect(item["weekdays"]?.arrayValue?.count == 7)
                #expect(item["key"]?.stringValue == "****efgh")

                let updated = try await admin.json(.PUT, "/api/pools/claude/1", #"{"name":"relay-b","role":"backup","hours":["09:00-18:00"]}"#)
                #expect(updated.status == 200)
                #expect(updated.value["item"]?["name"]?.stringValue == "relay-b")
                #expect(updated.value["item"]?["role"]?.stringValue == "backup")
                #expect(updated.value["item"]?["base_url"]?.stringValue == "https://relay-b.example/api", "unsent fields are kept")

                let reset = try await admin.json(.PUT, "/api/pools/claude/1", #"{"hours":null}"#)
                #expect(reset.status == 200)
                #expect(reset.value["item"]?["hours"] == nil, "null returns a field to its default")

                let toggled = try await admin.json(.POST, "/api/pools/claude/1/toggle")
                #expect(toggled.value["enabled"]?.boolValue == false)

                let moved = try await admin.json(.POST, "/api/pools/claude/1/move", #"{"direction":"top"}"#)
                #expect(moved.status == 200)
                #expect(moved.value["index"]?.intValue == 0)
                let names = try await admin.json(.GET, "/api/pools/claude").value["items"]?.arrayValue?.compactMap { $0["name"]?.stringValue }
                #expect(names == ["relay-b", "fake-anthropic"])

                let copy = try await admin.json(.POST, "/api/pools/claude/0/duplicate")
                #expect(copy.status == 201)
                #expect(copy.value["index"]?.intValue == 1)
                #expect(copy.value["item"]?["name"]?.stringValue == "relay-b (copy)")
                let copy2 = try await admin.json(.POST, "/api/pools/claude/0/duplicate")
                #expect(copy2.value["item"]?["name"]?.stringValue == "relay-b (copy 2)")

                let deleted = try await admin.json(.DELETE, "/api/pools/claude/1")
                #expect(deleted.status == 200)
                #expect(deleted.value["item"]?["name"]?.stringValue == "relay-b (copy 2)", "the second copy went right after the original")
                let afterDelete = try await admin.json(.GET, "/api/pools/claude")
                #expect(afterDelete.value["items"]?.arrayValue?.count == 3)

                let missing = try await admin.json(.DELETE, "/api/pools/claude/9")
                #expect(missing.status == 404)
                let badPool = try await admin.json(.GET, "/api/pools/gemini")
                #expect(badPool.status == 404)

                // The file on disk has the real keys; duplicates copied the stored secret.
                let file = try String(contentsOf: admin.configURL, encoding: .utf8)
                #expect(file.components(separatedBy: "sk-second-key-abcdefgh").count - 1 == 2)

                // Model rules: same operations.
                let rule = try await admin.json(.POST, "/api/model-rules", #"{"source":"claude-3-5-haiku","target":"claude-haiku-4-5"}"#)
                #expect(rule.status == 201)
                #expect(rule.value["item"]?["name"]?.stringValue == "rule-1")
                #expect(rule.value["item"]?["match"]?.stringValue == "exact")
                let ruleToggle = try await admin.json(.POST, "/api/model-rules/0/toggle")
                #expect(ruleToggle.value["enabled"]?.boolValue == false)
                let ruleDuplicate = try await admin.json(.POST, "/api/model-rules/0/duplicate")
                #expect(ruleDuplicate.value["item"]?["name"]?.stringValue == "rule-1 (copy)")
                let ruleUpdate = try await admin.json(.PUT, "/api/model-rules/1", #"{"target":"claude-sonnet-4-5","match":"prefix"}"#)
                #expect(ruleUpdate.value["item"]?["match"]?.stringValue == "prefix")
                #expect(try await admin.json(.DELETE, "/api/model-rules/0").status == 200)
                #expect(try await admin.json(.GET, "/api/model-rules").value["items"]?.arrayValue?.count == 1)

                // Retry nodes live under the same pool routes.
                let node = try await admin.json(.POST, "/api/pools/retry_nodes", #"{"base_url":"https://retry.example","key":"sk-retry-node-key-0001"}"#)
                #expect(node.status == 201)
                #expect(node.value["item"]?["name"]?.stringValue == "retry-1")
            }
        }
    }

    @Test("Token stats: from or to alone is an open range; bad dates, periods and formats are 400; all documented")
    func tokenStatsQueries() async throws {
        try await FakeUpstream.withRunning { fake in
            try await AdminFixture.run(fake: fake) { admin in
                let relayed = try await admin.relay.post("/v1/messages", json: messagesBody(stream: false))
                #expect(relayed.status == 200)
                let all = try await admin.json(.GET, "/api/token-stats?period=all")
                #expect(all.status == 200)
                #expect(all.value["summary"]?["total_requests"]?.intValue == 1)
                let fromOnly = try await admin.json(.GET, "/api/token-stats?from=2000-01-01")
                #expect(fromOnly.value["summary"]?["total_requests"]?.intValue == 1, "from alone runs up to today")
                let toOnly = try await admin.json(.GET, "/api/token-stats?to=2000-01-01")
                #expect(toOnly.status == 200)
                #expect(toOnly.value["summary"]?["total_requests"]?.intValue == 0, "to alone starts at the beginning")
                let reversed = try await admin.json(.GET, "/api/token-stats?from=2001-01-01&to=2000-01-01")
                #expect(reversed.status == 200)
                #expect(reversed.value["summary"]?["total_requests"]?.intValue == 0)
                for bad in ["to=", "from=2000-13-01", "from=yesterday", "period=TODAY", "period=0d", "period=3661d"] {
                    #expect(try await admin.json(.GET, "/api/token-stats?\(bad)").status == 400, "\(bad)")
                }
                #expect(try await admin.json(.GET, "/api/token-stats/export?format=xml").status == 400)
                let document = try await admin.json(.GET, "/api/openapi.json")
                for path in ["/api/token-stats", "/api/token-stats/export", "/api/token-stats/reset", "/api/token-stats/generate"] {
                    #expect(document.value["paths"]?[path] != nil, "\(path) documented")
                }
            }
        }
    }

    @Test func validationErrorsCarryFieldPaths() async throws {
        try await FakeUpstream.withRunning { fake in
            try await AdminFixture.run(fake: fake) { admin in
                let before = try await admin.version()
                let badURL = try await admin.json(.POST, "/api/pools/claude", #"{"base_url":"ftp://x","key":"sk-a-valid-looking-key"}"#)
                #expect(badURL.status == 422)
                #expect(badURL.value["error"]?["type"]?.stringValue == "invalid_request_error")
                #expect(badURL.paths.contains("pools.claude[1].base_url"))

                let typo = try await admin.json(.PUT, "/api/pools/claude/0", #"{"wekdays":[1,1,1,1,1,0,0]}"#)
                #expect(typo.status == 422)
                #expect(typo.paths == ["pools.claude[0].wekdays"])

                let wrongFormat = try await admin.json(.PUT, "/api/pools/codex/0", #"{"format":"anthropic","weekdays":[1,1]}"#)
                #expect(wrongFormat.status == 422)
                #expect(Set(wrongFormat.paths) == ["pools.codex[0].format", "pools.codex[0].weekdays"])

                let settings = try await admin.json(.PUT, "/api/settings", #"{"timeouts":{"connect":-1},"time_zone":"Mars/Base"}"#)
                #expect(settings.status == 422)
                #expect(Set(settings.paths) == ["timeouts.connect", "time_zone"])

                // Well-formed but inconsistent with the rest of the config: 409 with the path.
                let conflict = try await admin.json(.PUT, "/api/settings", #"{"health":{"cooldown_seconds":900}}"#)
                #expect(conflict.status == 409)
                #expect(conflict.paths == ["health.cooldown_max_seconds"])
                let duplicateName = try await admin.json(.PUT, "/api/pools/claude/0", #"{"name":"x"}"#)
                #expect(duplicateName.status == 200)
                let clash = try await admin.json(.POST, "/api/pools/claude", #"{"name":"x","base_url":"https://b.example","key":"sk-another-key-0000"}"#)
                #expect(clash.status == 409)
                #expect(clash.paths == ["pools.claude[1].name"])

                let emptyWindow = try await admin.json(.PUT, "/api/pools/claude/0", #"{"hours":["08:00-08:00","09:00-18:00"]}"#)
                #expect(emptyWindow.status == 422)
                #expect(emptyWindow.paths == ["pools.claude[0].hours[0]"])

                let notJSON = try await admin.send(.POST, "/api/pools/claude", body: "{nope")
                #expect(notJSON.status == 400)
                let missingKey = try await admin.json(.POST, "/api/pools/claude", #"{"base_url":"https://c.example"}"#)
                #expect(missingKey.paths == ["pools.claude[1].key"])

                // Nothing invalid was saved.
                let names = try await admin.json(.GET, "/api/pools/claude").value["items"]?.arrayValue?.compactMap { $0["name"]?.stringValue }
                #expect(names == ["x"])
                #expect(try await admin.version() != before)
            }
        }
    }

    @Test func staleVersionsAreRefusedWith409() async throws {
        try await FakeUpstream.withRunning { fake in
            try await AdminFixture.run(fake: fake) { admin in
                let read = try await admin.send(.GET, "/api/config")
                let version = try #require(JSONValue.parse(read.body)["version"]?.stringValue)
                #expect(read.headers.first(name: "etag") == "\"\(version)\"")

                let first = try await admin.json(.POST, "/api/pools/claude/0/toggle", headers: [("if-match", "\"\(version)\"")])
                #expect(first.status == 200)
                let newVersion = try #require(first.value["version"]?.stringValue)
                #expect(newVersion != version)

                let stale = try await admin.json(.POST, "/api/pools/claude/0/toggle", headers: [("if-match", "\"\(version)\"")])
                #expect(stale.status == 409)
                #expect(stale.value["version"]?.stringValue == newVersion, "the answer names the current version")
                let staleBody = try await admin.json(.PUT, "/api/settings", #"{"version":"\#(version)","time_zone":"UTC"}"#)
                #expect(staleBody.status == 409)
                let staleLegacy = try await admin.json(.POST, "/api/configs/0/toggle", headers: [("if-match", version)])
                #expect(staleLegacy.status == 409)
                #expect(staleLegacy.value["success"]?.boolValue == false)

                let fresh = try await admin.json(.PUT, "/api/settings", #"{"version":"\#(newVersion)","time_zone":"UTC"}"#)
                #expect(fresh.status == 200)
                // Without a version the last write wins.
                #expect(try await admin.json(.PUT, "/api/settings", #"{"time_zone":"Asia/Shanghai"}"#).status == 200)
                #expect(try await admin.json(.GET, "/api/settings").value["settings"]?["time_zone"]?.stringValue == "Asia/Shanghai")
            }
        }
    }

    @Test func changesApplyToTheNextRelayedRequest() async throws {
        try await FakeUpstream.withRunning { fake in
            let file = RelayHarness.config(fake: fake) { file in
                file.pools.claude.append(UpstreamEntry(name: "second", baseURL: fake.baseURL, key: "sk-ant-second-upstream-2222"))
            }
            try await AdminFixture.run(fake: fake, file: file) { admin in
                let first = try await admin.relay.post("/v1/messages", json: messagesBody(stream: false))
                #expect(first.status == 200)
                #expect(fake.requests().last?.header("x-api-key") == RelayHarness.anthropicKey)

                // Reorder: the second upstream now serves first.
                #expect(try await admin.json(.POST, "/api/pools/claude/1/move", #"{"direction":"up"}"#).status == 200)
                let second = try await admin.relay.post("/v1/messages", json: messagesBody(stream: false))
                #expect(second.status == 200)
                #expect(fake.requests().last?.header("x-api-key") == "sk-ant-second-upstream-2222")

                // Disable both: no upstream left.
                #expect(try await admin.json(.POST, "/api/pools/claude/0/toggle").status == 200)
                #expect(try await admin.json(.POST, "/api/configs/1/toggle").status == 200)
                let none = try await admin.relay.post("/v1/messages", json: messagesBody(stream: false))
                #expect(none.status == 503)
                #expect(none.body.contains("disabled in config"))

                // The masked key round trip through PUT /api/config keeps the real keys working.
                let config = try #require(try await admin.json(.GET, "/api/config").value["config"])
                var pools = try #require(config["pools"]?.objectValue)
                var claude = try #require(pools["claude"]?.arrayValue)
                claude = claude.reversed().map { $0.merged(with: ["enabled": true]) }
                pools["claude"] = .array(claude)
                let edited = config.merged(with: ["pools": .object(pools)])
                let put = try await admin.json(.PUT, "/api/config", JSONValue.object(["config": edited]).serialized())
                #expect(put.status == 200)
                let third = try await admin.relay.post("/v1/messages", json: messagesBody(stream: false))
                #expect(third.status == 200)
                #expect(fake.requests().last?.header("x-api-key") == RelayHarness.anthropicKey, "reversed order, real key restored by name")
                let onDisk = try String(contentsOf: admin.configURL, encoding: .utf8)
                #expect(onDisk.contains(RelayHarness.anthropicKey) && onDisk.contains("sk-ant-second-upstream-2222"))
                #expect(!onDisk.contains("****"))
            }
        }
    }

    @Test func clientsGetGeneratedKeysShownOnce() async throws {
        try await FakeUpstream.withRunning { fake in
            try await AdminFixture.run(fake: fake) { admin in
                let created = try await admin.json(.POST, "/api/clients", #"{"name":"laptop"}"#)
                #expect(created.status == 201)
                let key = try #require(created.value["key"]?.stringValue)
                #expect(key.hasPrefix("sy-") && key.count == 43)
                #expect(created.value["item"]?["key"]?.stringValue == SecretMask.mask(key))
                let listed = try await admin.send(.GET, "/api/clients")
                #expect(!listed.body.contains(key))
                #expect(!listed.body.contains(RelayHarness.clientKey))
                let relayed = try await admin.relay.post("/v1/messages", json: messagesBody(stream: false), headers: [("x-api-key", key)])
                #expect(relayed.status == 200, "the new key works at once")

                let given = try await admin.json(.POST, "/api/clients", #"{"name":"ci","key":"sy-chosen-by-the-admin-0001"}"#)
                #expect(given.status == 201)
                #expect(given.value["key"] == nil, "a key the caller chose is not echoed")
                let duplicate = try await admin.json(.POST, "/api/clients", #"{"name":"dup","key":"sy-chosen-by-the-admin-0001"}"#)
                #expect(duplicate.status == 409)

                #expect(try await admin.json(.DELETE, "/api/clients/1").status == 200)
                let revoked = try await admin.relay.post("/v1/messages", json: messagesBody(stream: false), headers: [("x-api-key", key)])
                #expect(revoked.status == 401)
            }
        }
    }

    @Test func settingsMergeOneLevelDeep() async throws {
        try await FakeUpstream.withRunning { fake in
            try await AdminFixture.run(fake: fake) { admin in
                let changed = try await admin.json(.PUT, "/api/settings", #"{"timeouts":{"connect":5},"retry":{"max_attempts":4},"proxy":"http://user:pw-secret@proxy.example:3128"}"#)
                #expect(changed.status == 200)
                let settings = try #require(changed.value["settings"])
                #expect(settings["timeouts"]?["connect"]?.numberValue == 5)
                #expect(settings["timeouts"]?["first_byte"]?.numberValue == 120, "other fields of the section are kept")
                #expect(settings["retry"]?["max_attempts"]?.intValue == 4)
                #expect(settings["proxy"]?.stringValue == "http://user:****@proxy.example:3128", "proxy password masked")
                #expect(!changed.body.contains("pw-secret"))
                #expect(settings["admin"]?["token_sha256"] == nil, "the admin token hash is never shown")

                // Sending the masked proxy back keeps the password.
                #expect(try await admin.json(.PUT, "/api/settings", #"{"proxy":"http://user:****@proxy.example:3128","timeouts":{"connect":null}}"#).status == 200)
                let file = try String(contentsOf: admin.configURL, encoding: .utf8)
                #expect(file.contains("http://user:pw-secret@proxy.example:3128"))
                let after = try await admin.json(.GET, "/api/settings")
                #expect(after.value["settings"]?["timeouts"]?["connect"]?.numberValue == 10, "null returns to the default")

                // The token hash is not writable here.
                let hashWrite = try await admin.json(.PUT, "/api/settings", #"{"admin":{"token_sha256":"\#(String(repeating: "a", count: 64))"}}"#)
                #expect(hashWrite.status == 422)
                #expect(hashWrite.paths == ["admin.token_sha256"])
                let resetAdmin = try await admin.json(.PUT, "/api/settings", #"{"admin":null}"#)
                #expect(resetAdmin.status == 200)
                #expect(try String(contentsOf: admin.configURL, encoding: .utf8).contains(AdminCredential.hash(AdminFixture.adminToken)))
                #expect(try await admin.json(.GET, "/api/settings").status == 200, "the token still works")
            }
        }
    }

    @Test func backupsAreNumberedPrivateAndCapped() async throws {
        try await FakeUpstream.withRunning { fake in
            try await AdminFixture.run(fake: fake) { admin in
                let original = try Data(contentsOf: admin.configURL)
                for _ in 0..<22 {
                    #expect(try await admin.json(.POST, "/api/pools/claude/0/toggle").status == 200)
                }
                let backups = admin.dataDirectory.appendingPathComponent("backups")
                let names = try FileManager.default.contentsOfDirectory(atPath: backups.path).sorted()
                #expect(names.count == 20)
                #expect(names.first == "all_configs.000003.json")
                #expect(names.last == "all_configs.000022.json")
                let dirMode = try FileManager.default.attributesOfItem(atPath: backups.path)[.posixPermissions] as? Int
                #expect(dirMode == 0o700)
                for name in names {
                    let mode = try FileManager.default.attributesOfItem(atPath: backups.appendingPathComponent(name).path)[.posixPermissions] as? Int
                    #expect(mode == 0o600, "\(name)")
                }
                let configMode = try FileManager.default.attributesOfItem(atPath: admin.configURL.path)[.posixPermissions] as? Int
                #expect(configMode == 0o600)
                // Backup n holds the file that save n replaced.
                let third = try Data(contentsOf: backups.appendingPathComponent("all_configs.000003.json"))
                let fourth = try Data(contentsOf: backups.appendingPathComponent("all_configs.000004.json"))
                #expect(third == original, "two toggles later the file is the original again")
                #expect(fourth != original)
                #expect(ConfigBackups(directory: backups).list().map(\.number) == Array(3...22))
            }
        }
    }

    @Test func handEditsAreNeverOverwritten() async throws {
        try await FakeUpstream.withRunning { fake in
            try await AdminFixture.run(fake: fake) { admin in
                let version = try await admin.version()
                // A valid hand edit the watcher may not have applied yet is adopted first…
                var text = try String(contentsOf: admin.configURL, encoding: .utf8)
                text = text.replacingOccurrences(of: "\"fake-anthropic\"", with: "\"hand-edited\"")
                try ConfigStore.writeFileAtomically(Data(text.utf8), to: admin.configURL)
                let stale = try await admin.json(.POST, "/api/pools/codex/0/toggle", headers: [("if-match", version)])
                #expect(stale.status == 409, "the edit made the client's version stale")
                let toggled = try await admin.json(.POST, "/api/pools/codex/0/toggle")
                #expect(toggled.status == 200)
                let names = try await admin.json(.GET, "/api/pools/claude").value["items"]?.arrayValue?.compactMap { $0["name"]?.stringValue }
                #expect(names == ["hand-edited"])

                // …an invalid one blocks edits (with its problems) instead of being overwritten.
                try ConfigStore.writeFileAtomically(Data(#"{"version":1,"pools":{"claude":[{"base_url":"nope","key":"k"}]}}"#.utf8), to: admin.configURL)
                let blocked = try await admin.json(.POST, "/api/pools/codex/0/toggle")
                #expect(blocked.status == 409)
                #expect(blocked.paths == ["pools.claude[0].base_url"])
                let reload = try await admin.json(.POST, "/api/reload")
                #expect(reload.status == 422)
                #expect(reload.value["success"]?.boolValue == false)
                #expect(reload.paths == ["pools.claude[0].base_url"])
                #expect(try await admin.relay.post("/v1/messages", json: messagesBody(stream: false)).status == 200, "the running config stays")

                try ConfigStore.writeFileAtomically(Data(text.utf8), to: admin.configURL)
                let fixed = try await admin.json(.POST, "/api/reload")
                #expect(fixed.status == 200)
                #expect(fixed.value["success"]?.boolValue == true)
            }
        }
    }

    @Test func aCanaryKeyNeverAppearsInAnyAdminResponse() async throws {
        try await FakeUpstream.withRunning { fake in
            let canary = "sk-ant-CANARY-do-not-leak-7Q2f"
            let file = RelayHarness.config(fake: fake) { file in
                file.pools.claude[0].key = canary
                file.proxy = "http://proxyuser:CANARY-proxy-password@proxy.example:3128"
                file.server.metricsToken = "CANARY-metrics-token-123"
            }
            try await AdminFixture.run(fake: fake, file: file) { admin in
                var bodies: [String] = []
                for op in AdminOpenAPI.operations where op.method == "get" {
                    let path = op.path.replacingOccurrences(of: "{index}", with: "0")
                    bodies.append(try await admin.send(.GET, path).body)
                }
                bodies.append(try await admin.send(.POST, "/api/pools/claude/0/duplicate").body)
                bodies.append(try await admin.send(.PUT, "/api/pools/claude/0", body: #"{"name":"renamed"}"#).body)
                bodies.append(try await admin.send(.POST, "/api/configs/0/toggle").body)
                bodies.append(try await admin.send(.POST, "/api/pools/claude", body: #"{"base_url":"bad","key":"sk-ant-CANARY-do-not-leak-7Q2f"}"#).body)
                bodies.append(try await admin.send(.DELETE, "/api/pools/claude/1").body)
                bodies.append(try await admin.send(.GET, "/api/config").body)
                for body in bodies {
                    #expect(!body.contains("CANARY"), "\(body.prefix(200))")
                    #expect(!body.contains(RelayHarness.clientKey))
                    #expect(!body.contains(RelayHarness.responsesKey))
                    #expect(!body.contains(AdminFixture.adminToken))
                    #expect(!body.contains(AdminCredential.hash(AdminFixture.adminToken)))
                }
            }
        }
    }

    @Test func theOriginalEndpointsKeepTheirShapes() async throws {
        try await FakeUpstream.withRunning { fake in
            try await AdminFixture.run(fake: fake) { admin in
                let list = try await admin.json(.GET, "/api/configs")
                let entry = try #require(list.value["configs"]?.arrayValue?.first)
                #expect(entry["name"]?.stringValue == "fake-anthropic")
                #expect(entry["base_url"]?.stringValue == fake.baseURL)
                #expect(entry["key"]?.stringValue == SecretMask.mask(RelayHarness.anthropicKey))
                #expect(entry["type"]?.stringValue == "primary")
                #expect(entry["enabled"]?.boolValue == true)
                #expect(entry["time_enabled"] == [1, 1, 1, 1, 1, 1, 1])
                #expect(entry["activation_enabled"]?.boolValue == false)
                #expect(entry["activation_time"]?.stringValue == "08:00")

                let added = try await admin.json(
                    .POST, "/api/configs",
                    #"{"base_url":"https://relay.example/api","key":"cr_0123456789abcdef","type":"backup","time_enabled":[1,1,1,1,1,0,0],"activation_enabled":true,"activation_time":"07:30","created_at":"2025-01-01T00:00:00"}"#)
                #expect(added.status == 200)
                #expect(added.value["success"]?.boolValue == true)
                #expect(added.value["message"]?.stringValue == "配置已添加")
                let ours = try #require(try await admin.json(.GET, "/api/pools/claude").value["items"]?.arrayValue?.last)
                #expect(ours["name"]?.stringValue == "API-2")
                #expect(ours["role"]?.stringValue == "backup")
                #expect(ours["auth"]?.stringValue == "bearer", "the original always sent Bearer")
                #expect(ours["weekdays"] == [true, true, true, true, true, false, false])
                #expect(ours["activation"]?["time"]?.stringValue == "07:30")

                let toggled = try await admin.json(.POST, "/api/configs/1/toggle")
                #expect(toggled.value["success"]?.boolValue == true)
                #expect(toggled.value["enabled"]?.boolValue == false)
                let boundary = try await admin.json(.POST, "/api/configs/0/move", #"{"direction":"up"}"#)
                #expect(boundary.status == 409)
                #expect(boundary.value["success"]?.boolValue == false)
                #expect(try await admin.json(.POST, "/api/configs/1/move", #"{"direction":"up"}"#).value["success"]?.boolValue == true)
                let duplicated = try await admin.json(.POST, "/api/configs/0/duplicate")
                #expect(duplicated.value["message"]?.stringValue == "配置已复制")
                #expect(try await admin.json(.GET, "/api/configs").value["configs"]?[1]?["name"]?.stringValue == "API-2 (复制)")
                let update = try await admin.json(.PUT, "/api/configs/0", #"{"key":"****cdef","name":"renamed","updated_at":"x"}"#)
                #expect(update.value["success"]?.boolValue == true)
                #expect(try String(contentsOf: admin.configURL, encoding: .utf8).contains("cr_0123456789abcdef"), "masked key kept")
                let missing = try await admin.json(.DELETE, "/api/configs/42")
                #expect(missing.status == 404)
                #expect(missing.value["success"]?.boolValue == false)

                let codex = try await admin.json(.GET, "/api/codex")
                #expect(codex.value["configs"]?.arrayValue?.count == 1)
                let openai = try await admin.json(.POST, "/api/openai-to-claude", #"{"base_url":"https://oa.example","key":"sk-openai-to-claude-1"}"#)
                #expect(openai.value["success"]?.boolValue == true)
                let openaiList = try await admin.json(.GET, "/api/openai-to-claude")
                #expect(openaiList.value["configs"]?[0]?["type"]?.stringValue == "openai_to_claude")
                #expect(openaiList.value["configs"]?[0]?["name"]?.stringValue == "OpenAI转Claude-1")
                let openaiToggle = try await admin.json(.POST, "/api/openai-to-claude/0/toggle")
                #expect(openaiToggle.value["enabled"] == nil, "the original's OpenAI toggle answer has no enabled field")
                #expect(try await admin.json(.POST, "/api/retry", #"{"base_url":"https://r.example","key":"sk-retry-000001"}"#).value["success"]?.boolValue == true)
                #expect(try await admin.json(.GET, "/api/retry").value["configs"]?[0]?["name"]?.stringValue == "第1次重试")

                let rule = try await admin.json(.POST, "/api/model-conversion", #"{"source_model":"claude-3-5-haiku","target_model":"claude-haiku-4-5","conversion_type":"full_format"}"#)
                #expect(rule.value["success"]?.boolValue == true)
                let rules = try await admin.json(.GET, "/api/model-conversion")
                #expect(rules.value["configs"]?[0]?["source_model"]?.stringValue == "claude-3-5-haiku")
                #expect(rules.value["configs"]?[0]?["conversion_type"]?.stringValue == "simple_rename")
                let invalid = try await admin.json(.POST, "/api/configs", #"{"base_url":"relay.example","key":"cr_0123456789"}"#)
                #expect(invalid.status == 422)
                #expect(invalid.value["success"]?.boolValue == false)
                #expect(invalid.value["message"]?.stringValue?.contains("base_url") == true)

                // Timeouts map onto ours (docs/CONFIG.md migration table); the rest is carried.
                let timeouts = try #require(try await admin.json(.GET, "/api/timeout").value["settings"])
                #expect(timeouts["connect_timeout"]?.numberValue == 10)
                #expect(timeouts["streaming_read_timeout"]?.numberValue == 120)
                #expect(timeouts["codex_base_timeout"]?.numberValue == 60)
                #expect(timeouts["modify_retry_headers"]?.boolValue == true)
                #expect(timeouts.objectValue?.keys.count == 20, "the original's 19 fields and max_retries")
                let putTimeout = try await admin.json(.PUT, "/api/timeout", #"{"connect_timeout":7,"streaming_read_timeout":90,"api_cooldown_seconds":900,"max_retries":2,"codex_base_timeout":75}"#)
                #expect(putTimeout.value["success"]?.boolValue == true)
                let settings = try #require(try await admin.json(.GET, "/api/settings").value["settings"])
                #expect(settings["timeouts"]?["connect"]?.numberValue == 7)
                #expect(settings["timeouts"]?["idle"]?.numberValue == 90)
                #expect(settings["health"]?["cooldown_seconds"]?.numberValue == 900)
                #expect(settings["health"]?["cooldown_max_seconds"]?.numberValue == 900)
                #expect(settings["retry"]?["max_attempts"]?.intValue == 2)
                #expect(try await admin.json(.GET, "/api/timeout").value["settings"]?["codex_base_timeout"]?.numberValue == 75)

                let strategies = try #require(try await admin.json(.GET, "/api/error-strategies").value["strategies"])
                #expect(strategies["http_status_codes"]?["429"]?.stringValue == "switch_api")
                #expect(strategies["http_status_codes"]?["400"]?.stringValue == "normal_retry")
                #expect(strategies["network_errors"]?["ReadTimeout"]?.stringValue == "switch_api")
                let putStrategies = try await admin.json(
                    .PUT, "/api/error-strategies", #"{"http_status_codes":{"500":"strategy_retry","default":"switch_api"},"network_errors":{"ConnectError":"normal_retry"}}"#)
                #expect(putStrategies.value["success"]?.boolValue == true)
                let mapped = try #require(try await admin.json(.GET, "/api/settings").value["settings"]?["error_strategies"])
                #expect(mapped["http_status"]?["500"]?.stringValue == "strategy")
                #expect(mapped["network"]?["connect_error"]?.stringValue == "retry")
                #expect(mapped["network"]?["connect_timeout"]?.stringValue == "retry")
                let badStrategy = try await admin.json(.PUT, "/api/error-strategies", #"{"http_status_codes":{"abc":"switch_api"}}"#)
                #expect(badStrategy.status == 422)

                #expect(try await admin.json(.PUT, "/api/optimization", #"{"enable_cache_control_limit":false}"#).value["success"]?.boolValue == true)
                #expect(try await admin.json(.GET, "/api/optimization").value["settings"]?["enable_cache_control_limit"]?.boolValue == false)

                let reload = try await admin.json(.POST, "/api/reload")
                #expect(reload.status == 200)
                #expect(reload.value["success"]?.boolValue == true)

                let reset = try await admin.json(.POST, "/api/reset-api-cooldown", #"{"index":"zero"}"#)
                #expect(reset.status == 422, "a malformed body is refused, not read as reset-all")
                #expect(try await admin.json(.POST, "/api/reset-api-cooldown").value["success"]?.boolValue == true)
                #expect(try await admin.json(.POST, "/api/health/reset", #"{"pool":"codex"}"#).value["success"]?.boolValue == true)
            }
        }
    }

    @Test func openAPIDocumentDescribesEveryRoute() async throws {
        try await FakeUpstream.withRunning { fake in
            try await AdminFixture.run(fake: fake) { admin in
                let served = try await admin.send(.GET, "/api/openapi.json", auth: false)
                #expect(served.status == 200)
                let document = try JSONValue.parse(served.body)
                #expect(document["openapi"]?.stringValue == "3.1.0")
                let paths = try #require(document["paths"]?.objectValue)
                for op in AdminOpenAPI.operations {
                    #expect(paths[op.path]?[op.method] != nil, "\(op.method) \(op.path)")
                }
                // Every documented operation is routed (no router 404 for a known path).
                for op in AdminOpenAPI.operations where op.method != "get" && !op.isPublic {
                    let path = op.path.replacingOccurrences(of: "{index}", with: "99999")
                    let answer = try await admin.send(HTTPMethod(rawValue: op.method.uppercased()), path, body: op.body == nil ? nil : "{}")
                    #expect(!answer.body.contains("no admin route"), "\(op.method) \(op.path) → \(answer.status)")
                    #expect(answer.status < 500)
                }
                // Every config key the file can hold is in the schema (a new ConfigFile field needs one too).
                var full = ConfigFile(proxy: "none", admin: AdminSettings(tokenSHA256: AdminCredential.hash("x")))
                full.timeZone = "UTC"
                full.legacy = ["a": 1]
                full.server.tls = TLSFiles(certificate: "c.pem", privateKey: "k.pem")
                full.server.metricsToken = "m"
                full.usage.databaseURL = "postgres://u:p@db.example/ledger"
                full.usage.retentionDays = 30
                full.usage.prices = [PriceOverride(model: "m", input: 1, output: 2, cacheWrite: 3, cacheRead: 4)]
                let encoded = AdminConfigEditor.document(full)
                let schemaKeys = Set(AdminSchemas.components["Config"]?["properties"]?.objectValue?.keys ?? [])
                #expect(Set(encoded.objectValue?.keys ?? []).subtracting(schemaKeys) == [])
                // …at every level: a fully populated file passes the request schema.
                full.pools.claude = [
                    UpstreamEntry(
                        name: "a", baseURL: "https://a.example", key: "sk-a", format: .anthropic, auth: .bearer, hours: ["09:00-18:00"],
                        proxy: "socks5://p.example:1080", caFile: "ca.pem", activation: Activation(enabled: true, time: "08:00", model: "m", prompt: "p"))
                ]
                full.retryNodes = full.pools.claude
                full.clients = [ClientEntry(name: "c", key: "sy-client")]
                full.modelRules = [ModelRule(name: "r", source: "a", target: "b")]
                full.timeouts.pools = ["codex": TimeoutOverride(connect: 1, firstByte: 2, idle: 3, total: 4)]
                full.errorStrategies = ErrorStrategies(httpStatus: ["429": .switch], network: ["reset": .retry])
                full.admin?.allowedHosts = ["relay.example"]
                let everything = AdminSecrets.mask(AdminConfigEditor.document(full))
                #expect(AdminSchemas.validator.validate(everything, against: AdminSchemas.ref("Config")).map(\.description) == [])
            }
        }
    }
}

// MARK: - Fixture

/// A relay with a data directory, a known admin token (its hash in the config) and helpers.
struct AdminFixture: Sendable {
    static let adminToken = "sya-test-admin-token-0123456789abcdefghijklmn"

    let relay: RelayHarness
    let dataDirectory: URL
    var configURL: URL { dataDirectory.appendingPathComponent("all_configs.json") }

    static func run(
        fake: FakeUpstream, file: ConfigFile? = nil, edit: (inout ConfigFile) -> Void = { _ in }, _ body: @Sendable (AdminFixture) async throws -> Void
    ) async throws {
        var config = file ?? RelayHarness.config(fake: fake)
        var admin = config.admin ?? AdminSettings()
        admin.tokenSHA256 = AdminCredential.hash(adminToken)
        config.admin = admin
        edit(&config)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("switchyard-admin-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        try await RelayHarness.run(config, dataDirectory: directory) { relay in
            try await body(AdminFixture(relay: relay, dataDirectory: directory))
        }
    }

    struct Answer {
        var status: Int
        var headers: HTTPHeaders
        var body: String
        var value: JSONValue { (try? JSONValue.parse(body)) ?? .null }
        var paths: [String] { value["issues"]?.arrayValue?.compactMap { $0["path"]?.stringValue } ?? [] }
    }

    /// Sends a request with the admin token (unless `auth` is false) and any extra headers.
    func send(_ method: HTTPMethod, _ path: String, body: String? = nil, headers: [(String, String)] = [], auth: Bool = true) async throws -> Answer {
        var request = HTTPClientRequest(url: relay.base + path)
        request.method = method
        if auth { request.headers.add(name: "authorization", value: "Bearer \(Self.adminToken)") }
        for (name, value) in headers { request.headers.replaceOrAdd(name: name, value: value) }
        if let body {
            request.headers.add(name: "content-type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: body))
        }
        let response = try await relay.client.execute(request, timeout: .seconds(20))
        let collected = try await response.body.collect(upTo: 16 << 20)
        return Answer(status: Int(response.status.code), headers: response.headers, body: String(buffer: collected))
    }

    func json(_ method: HTTPMethod, _ path: String, _ body: String? = nil, headers: [(String, String)] = [], auth: Bool = true) async throws -> Answer {
        try await send(method, path, body: body, headers: headers, auth: auth)
    }

    func version() async throws -> String {
        try await json(.GET, "/api/config").value["version"]?.stringValue ?? ""
    }
}

extension JSONValue {
    /// Array element, nil when out of range (tests only).
    subscript(_ index: Int) -> JSONValue? {
        guard let items = arrayValue, items.indices.contains(index) else { return nil }
        return items[index]
    }
}
