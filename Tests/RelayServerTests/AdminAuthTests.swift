import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import RelayConfig
import RelayCore
@testable import RelayServer
import RelayTestSupport
import Testing

/// Admin authentication: every route refuses missing, wrong and client-key credentials; the
/// cookie login; rate limiting; Host and Origin checks; GET never changes anything.
@Suite(.serialized) struct AdminAuthTests {
    /// Every protected documented operation, with a concrete path.
    static var protectedOperations: [(method: HTTPMethod, path: String, body: String?)] {
        AdminOpenAPI.operations.filter { !$0.isPublic }.map { op in
            (HTTPMethod(rawValue: op.method.uppercased()), op.path.replacingOccurrences(of: "{index}", with: "0"), op.body == nil ? nil : "{}")
        }
    }

    @Test func everyAdminRouteRefusesMissingWrongAndClientCredentials() async throws {
        try await FakeUpstream.withRunning { fake in
            try await AdminFixture.run(fake: fake) { admin in
                let before = try Data(contentsOf: admin.configURL)
                let versionBefore = try await admin.version()
                let attempts: [(String, [(String, String)])] = [
                    ("no credential", []),
                    ("client key as bearer", [("authorization", "Bearer \(RelayHarness.clientKey)")]),
                    ("client key as x-api-key", [("x-api-key", RelayHarness.clientKey)]),
                    ("wrong token", [("authorization", "Bearer sya-wrong-token-0000000000000000000000")]),
                    ("token as x-api-key", [("x-api-key", AdminFixture.adminToken)]),
                    ("token with another scheme", [("authorization", "Basic \(AdminFixture.adminToken)")]),
                    ("forged cookie", [("cookie", "sy_session=forged-session-id")]),
                ]
                for op in Self.protectedOperations {
                    for (label, headers) in attempts {
                        let answer = try await admin.send(op.method, op.path, body: op.body, headers: headers, auth: false)
                        #expect(answer.status == 401, "\(label): \(op.method) \(op.path) → \(answer.status)")
                        #expect(answer.value["error"]?["type"]?.stringValue == "authentication_error")
                        #expect(!answer.body.contains(RelayHarness.clientKey))
                        #expect(answer.headers.first(name: "www-authenticate")?.hasPrefix("Bearer") == true)
                    }
                }
                #expect(try Data(contentsOf: admin.configURL) == before, "nothing changed")
                #expect(try await admin.version() == versionBefore)
                #expect(!FileManager.default.fileExists(atPath: admin.dataDirectory.appendingPathComponent("backups").path))
            }
        }
    }

    @Test func theRightTokenOpensEveryRoute() async throws {
        try await FakeUpstream.withRunning { fake in
            try await AdminFixture.run(fake: fake) { admin in
                for op in Self.protectedOperations {
                    let answer = try await admin.send(op.method, op.path, body: op.body)
                    #expect(![401, 403, 405].contains(answer.status), "\(op.method) \(op.path) → \(answer.status) \(answer.body.prefix(160))")
                    #expect(answer.status < 500, "\(op.method) \(op.path) → \(answer.status)")
                    #expect(answer.headers.first(name: "cache-control") == "no-store")
                }
            }
        }
    }

    @Test func getRequestsNeverChangeAnything() async throws {
        try await FakeUpstream.withRunning { fake in
            try await AdminFixture.run(fake: fake) { admin in
                let before = try Data(contentsOf: admin.configURL)
                let modified = try FileManager.default.attributesOfItem(atPath: admin.configURL.path)[.modificationDate] as? Date
                let version = try await admin.version()
                for op in AdminOpenAPI.operations where op.method == "get" {
                    for _ in 0..<2 { _ = try await admin.send(.GET, op.path) }
                }
                #expect(try Data(contentsOf: admin.configURL) == before)
                #expect(try FileManager.default.attributesOfItem(atPath: admin.configURL.path)[.modificationDate] as? Date == modified)
                #expect(try await admin.version() == version)
                #expect(!FileManager.default.fileExists(atPath: admin.dataDirectory.appendingPathComponent("backups").path))
                // State-changing routes do not answer GET.
                let toggle = try await admin.send(.GET, "/api/pools/claude/0/toggle")
                #expect(toggle.status == 405)
                #expect(toggle.headers.first(name: "allow") == "POST")
                let reload = try await admin.send(.GET, "/api/reload")
                #expect(reload.status == 405)
                let patch = try await admin.send(.PATCH, "/api/config", body: "{}")
                #expect(patch.status == 405)
                #expect(patch.headers.first(name: "allow") == "GET, PUT")
            }
        }
    }

    @Test func cookieLoginFlow() async throws {
        try await FakeUpstream.withRunning { fake in
            try await AdminFixture.run(fake: fake) { admin in
                let origin = admin.relay.base
                let anonymous = try await admin.send(.GET, "/api/session", auth: false)
                #expect(anonymous.status == 200)
                #expect(anonymous.value["authenticated"]?.boolValue == false)
                #expect(try await admin.send(.GET, "/api/session").value["authenticated"]?.boolValue == true, "bearer counts")

                let wrong = try await admin.send(.POST, "/api/login", body: #"{"token":"sya-nope"}"#, auth: false)
                #expect(wrong.status == 401)
                #expect(wrong.headers.first(name: "set-cookie") == nil)
                let clientKey = try await admin.send(.POST, "/api/login", body: #"{"token":"\#(RelayHarness.clientKey)"}"#, auth: false)
                #expect(clientKey.status == 401)
                let crossSite = try await admin.send(
                    .POST, "/api/login", body: #"{"token":"\#(AdminFixture.adminToken)"}"#, headers: [("origin", "http://evil.example")], auth: false)
                #expect(crossSite.status == 403)

                let login = try await admin.send(
                    .POST, "/api/login", body: #"{"token":"\#(AdminFixture.adminToken)"}"#, headers: [("origin", origin)], auth: false)
                #expect(login.status == 204)
                let setCookie = try #require(login.headers.first(name: "set-cookie"))
                let attributes = setCookie.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
                #expect(attributes.contains("HttpOnly"))
                #expect(attributes.contains("SameSite=Strict"))
                #expect(attributes.contains("Path=/"))
                #expect(!attributes.contains("Secure"), "plain HTTP listener")
                #expect(!setCookie.contains(AdminFixture.adminToken))
                let cookie = try #require(attributes.first)
                #expect(cookie.hasPrefix("sy_session=") && cookie.count > 40)

                let session = try await admin.send(.GET, "/api/session", headers: [("cookie", cookie)], auth: false)
                #expect(session.value["authenticated"]?.boolValue == true)
                let read = try await admin.send(.GET, "/api/config", headers: [("cookie", cookie)], auth: false)
                #expect(read.status == 200)

                // State changes with the cookie need a same-origin proof.
                let noOrigin = try await admin.send(.POST, "/api/pools/claude/0/toggle", headers: [("cookie", cookie)], auth: false)
                #expect(noOrigin.status == 403)
                let evil = try await admin.send(
                    .POST, "/api/pools/claude/0/toggle", headers: [("cookie", cookie), ("origin", "http://evil.example")], auth: false)
                #expect(evil.status == 403)
                let nullOrigin = try await admin.send(.POST, "/api/pools/claude/0/toggle", headers: [("cookie", cookie), ("origin", "null")], auth: false)
                #expect(nullOrigin.status == 403)
                let crossFetch = try await admin.send(
                    .POST, "/api/pools/claude/0/toggle", headers: [("cookie", cookie), ("origin", origin), ("sec-fetch-site", "cross-site")], auth: false)
                #expect(crossFetch.status == 403)
                let badReferer = try await admin.send(
                    .POST, "/api/pools/claude/0/toggle", headers: [("cookie", cookie), ("referer", "http://evil.example/page")], auth: false)
                #expect(badReferer.status == 403)
                let sameOrigin = try await admin.send(
                    .POST, "/api/pools/claude/0/toggle", headers: [("cookie", cookie), ("origin", origin)], auth: false)
                #expect(sameOrigin.status == 200)
                let referer = try await admin.send(
                    .POST, "/api/pools/claude/0/toggle", headers: [("cookie", cookie), ("referer", origin + "/")], auth: false)
                #expect(referer.status == 200)
                let fetchSite = try await admin.send(
                    .POST, "/api/pools/claude/0/toggle", headers: [("cookie", cookie), ("sec-fetch-site", "same-origin")], auth: false)
                #expect(fetchSite.status == 200)

                let logout = try await admin.send(.POST, "/api/logout", headers: [("cookie", cookie), ("origin", origin)], auth: false)
                #expect(logout.status == 204)
                #expect(logout.headers.first(name: "set-cookie")?.contains("Max-Age=0") == true)
                let after = try await admin.send(.GET, "/api/config", headers: [("cookie", cookie)], auth: false)
                #expect(after.status == 401)
                #expect(try await admin.send(.GET, "/api/session", headers: [("cookie", cookie)], auth: false).value["authenticated"]?.boolValue == false)
            }
        }
    }

    @Test func sessionsEndWhenTheTokenIsRotated() async throws {
        try await FakeUpstream.withRunning { fake in
            try await AdminFixture.run(fake: fake) { admin in
                let login = try await admin.send(.POST, "/api/login", body: #"{"token":"\#(AdminFixture.adminToken)"}"#, auth: false)
                let cookie = try #require(login.headers.first(name: "set-cookie")?.split(separator: ";").first.map(String.init))
                #expect(try await admin.send(.GET, "/api/config", headers: [("cookie", cookie)], auth: false).status == 200)
                // Rotate by hand: a new hash in the file (picked up by the watcher).
                let newToken = "sya-rotated-token-00000000000000000000000000"
                var text = try String(contentsOf: admin.configURL, encoding: .utf8)
                text = text.replacingOccurrences(of: AdminCredential.hash(AdminFixture.adminToken), with: AdminCredential.hash(newToken))
                try ConfigStore.writeFileAtomically(Data(text.utf8), to: admin.configURL)
                let rotated = await eventually(within: 5) {
                    (try? await admin.send(.GET, "/api/config", headers: [("authorization", "Bearer \(newToken)")], auth: false).status) == 200
                }
                #expect(rotated)
                #expect(try await admin.send(.POST, "/api/reload").status == 401, "the old token stopped working")
                #expect(try await admin.send(.GET, "/api/config", headers: [("cookie", cookie)], auth: false).status == 401)
            }
        }
    }

    @Test func loginAttemptsAreRateLimited() async throws {
        try await FakeUpstream.withRunning { fake in
            try await AdminFixture.run(fake: fake) { admin in
                for _ in 0..<5 {
                    #expect(try await admin.send(.POST, "/api/login", body: #"{"token":"guess"}"#, auth: false).status == 401)
                }
                let limited = try await admin.send(.POST, "/api/login", body: #"{"token":"\#(AdminFixture.adminToken)"}"#, auth: false)
                #expect(limited.status == 429)
                #expect(limited.value["error"]?["type"]?.stringValue == "rate_limit_error")
                let retryAfter = try #require(limited.headers.first(name: "retry-after").flatMap(Int.init))
                #expect((1...60).contains(retryAfter))
                #expect(limited.headers.first(name: "set-cookie") == nil)
                // Bearer calls are not affected.
                #expect(try await admin.send(.GET, "/api/config").status == 200)
            }
        }
    }

    @Test func hostHeaderIsChecked() async throws {
        try await FakeUpstream.withRunning { fake in
            try await AdminFixture.run(fake: fake, edit: { $0.admin?.allowedHosts = ["switchyard.internal"] }) { admin in
                let port = admin.relay.port
                let rebinding = try await admin.send(.GET, "/api/config", headers: [("host", "attacker.example:\(port)")])
                #expect(rebinding.status == 403)
                #expect(rebinding.value["error"]?["type"]?.stringValue == "permission_error")
                #expect(!rebinding.body.contains("\"config\""))
                #expect(try await admin.send(.GET, "/api/session", headers: [("host", "attacker.example")], auth: false).status == 403)
                #expect(try await admin.send(.GET, "/", headers: [("host", "attacker.example")], auth: false).status == 403)
                for host in ["localhost:\(port)", "127.0.0.1:\(port)", "[::1]:\(port)", "LOCALHOST", "switchyard.internal:\(port)"] {
                    #expect(try await admin.send(.GET, "/api/config", headers: [("host", host)]).status == 200, "\(host)")
                }
                for host in ["127.0.0.1.evil.example", "localhost@evil.example", "evil.example#@localhost", "", "localhost:abc"] {
                    #expect(try await admin.send(.GET, "/api/config", headers: [("host", host)]).status == 403, "\(host)")
                }
                // Relay routes do not care about Host (SDKs behind proxies send all sorts).
                let relayed = try await admin.relay.post("/v1/messages", json: messagesBody(stream: false), headers: [("x-api-key", RelayHarness.clientKey), ("host", "anything.example")])
                #expect(relayed.status == 200)
            }
        }
    }

    @Test func pagesArePublicButFramedNowhereAndUnknownPathsAreDenied() async throws {
        try await FakeUpstream.withRunning { fake in
            try await AdminFixture.run(fake: fake) { admin in
                let unknownAPI = try await admin.send(.GET, "/api/not-a-route", auth: false)
                #expect(unknownAPI.status == 401, "deny by default, before routing")
                let unknownAuthed = try await admin.send(.GET, "/api/not-a-route")
                #expect(unknownAuthed.status == 404)
                #expect(unknownAuthed.value["error"]?["type"]?.stringValue == "not_found_error")
                let caseTrick = try await admin.send(.GET, "/API/CONFIG", auth: false)
                #expect(caseTrick.status == 401)
                let postPage = try await admin.send(.POST, "/index.html", body: "{}", auth: false)
                #expect(postPage.status == 401)
                let page = try await admin.send(.GET, "/", auth: false)
                #expect(page.status != 401)
                #expect(page.headers.first(name: "x-frame-options") == "DENY" || page.headers.first(name: "content-security-policy")?.contains("frame-ancestors") == true)
                let health = try await admin.send(.GET, "/health", headers: [("host", "anything.example")], auth: false)
                #expect(health.status == 200)
            }
        }
    }

    // MARK: Units

    @Test func aClientKeyNeverOpensTheAdminSurfaceEvenIfConfiguredAsTheToken() async throws {
        try await FakeUpstream.withRunning { fake in
            try await AdminFixture.run(fake: fake, edit: { $0.admin?.tokenSHA256 = AdminCredential.hash(RelayHarness.clientKey) }) { admin in
                let answer = try await admin.send(.GET, "/api/config", headers: [("authorization", "Bearer \(RelayHarness.clientKey)")], auth: false)
                #expect(answer.status == 401)
                let login = try await admin.send(.POST, "/api/login", body: #"{"token":"\#(RelayHarness.clientKey)"}"#, auth: false)
                #expect(login.status == 401)
            }
        }
    }

    @Test func sha256MatchesTheStandardVectors() {
        #expect(SHA256.hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(SHA256.hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(
            SHA256.hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        #expect(SHA256.hex(String(repeating: "a", count: 1_000)) == "41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3")
    }

    @Test func sessionCookiesAreSecureUnderTLS() throws {
        let runtime = RelayRuntime(
            config: try ConfigValidator.validate(ConfigFile()), dataDirectory: nil, sink: FanoutUsageSink([]), logger: .init(label: "test"))
        let tls = AdminGuard(runtime: runtime, environment: [:], listenHost: "127.0.0.1", tls: true)
        let cookie = tls.sessionCookieHeader("abc", maxAge: 60)
        #expect(cookie == "sy_session=abc; Path=/; HttpOnly; SameSite=Strict; Max-Age=60; Secure")
        #expect(tls.clearedCookieHeader().hasSuffix("Max-Age=0; Secure"))
    }

    @Test func tokensFromConfigAndEnvironmentAreAccepted() throws {
        let file = ConfigFile(admin: AdminSettings(tokenSHA256: AdminCredential.hash("from-config")))
        let config = try ConfigValidator.validate(file)
        let accepted = AdminCredential.acceptedHashes(config: config, environment: ["SWITCHYARD_ADMIN_TOKEN": "from-env"])
        #expect(accepted.count == 2)
        #expect(AdminCredential.match("from-config", accepted: accepted) != nil)
        #expect(AdminCredential.match("from-env", accepted: accepted) != nil)
        #expect(AdminCredential.match("from-conf", accepted: accepted) == nil)
        #expect(AdminCredential.match("", accepted: accepted) == nil)
        #expect(AdminCredential.match("anything", accepted: []) == nil)
    }

    @Test func firstStartGeneratesATokenOnceAndStoresOnlyItsHash() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("switchyard-admin-token-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = ConfigStore(dataDirectory: directory)
        let outcome = try store.load(environment: [:])
        let prepared = try AdminCredential.prepare(store: store, config: outcome.config, environment: [:])
        let token = try #require(prepared.generatedToken)
        #expect(token.hasPrefix("sya-") && token.count == 47)
        let text = try String(contentsOf: store.configURL, encoding: .utf8)
        #expect(!text.contains(token))
        #expect(text.contains(AdminCredential.hash(token)))
        #expect(prepared.config.file.admin?.tokenSHA256 == AdminCredential.hash(token))
        #expect(store.backups.list().count == 1, "the starter file was kept as a backup")

        let again = try AdminCredential.prepare(store: store, config: try store.load(environment: [:]).config, environment: [:])
        #expect(again.generatedToken == nil, "printed once: the next start finds the hash")
        let withEnvironment = ConfigStore(dataDirectory: directory.appendingPathComponent("other"))
        let fresh = try withEnvironment.load(environment: [:])
        let fromEnv = try AdminCredential.prepare(store: withEnvironment, config: fresh.config, environment: ["SWITCHYARD_ADMIN_TOKEN": "env-token"])
        #expect(fromEnv.generatedToken == nil)
        #expect(fromEnv.config.file.admin?.tokenSHA256 == nil)
    }

    @Test func badTokenHashesInTheFileHaveAPath() throws {
        let store = ConfigStore(dataDirectory: FileManager.default.temporaryDirectory)
        #expect(throws: ConfigError.self) {
            _ = try store.decodeAndValidate(Data(#"{"admin":{"token_sha256":"xyz"}}"#.utf8), environment: [:])
        }
        do {
            _ = try store.decodeAndValidate(Data(#"{"admin":{"token_sha256":"xyz"}}"#.utf8), environment: [:])
        } catch {
            #expect(error.issues.map(\.path) == ["admin.token_sha256"])
        }
    }

    @Test func secretsAreMaskedAndRestored() {
        let stored: JSONValue = [
            "pools": ["claude": [["name": "a", "key": "sk-aaaa-1111"], ["name": "b", "key": "sk-bbbb-2222"]]],
            "proxy": "http://u:secret@p.example:1",
        ]
        let masked = AdminSecrets.mask(stored)
        #expect(!masked.serialized().contains("sk-"))
        #expect(!masked.serialized().contains("secret"))
        #expect(masked["proxy"]?.stringValue == "http://u:****@p.example:1")
        #expect(AdminSecrets.mask(["usage": ["database_url": "postgres://ledger:pw-123@db.example:5432/x"]]).serialized().contains("ledger:****@db.example"))
        #expect(AdminSecrets.mask(["server": ["metrics_token": "tok-abcdefgh-1234"]]).serialized().contains("****1234"))
        #expect(AdminSecrets.mask(["admin": ["token_sha256": "00"]]).serialized() == #"{"admin":{}}"#)
        // Swapped order: restored by name, not by position.
        var edited = masked
        edited.set(["claude": [["name": "b", "key": "****2222"], ["name": "a", "key": "****1111"]]], at: ["pools"])
        let (restored, issues) = AdminSecrets.restore(edited, stored: stored)
        #expect(issues.isEmpty)
        #expect(restored.value(at: ["pools", "claude"])?.arrayValue?.map { $0["key"]?.stringValue ?? "" } == ["sk-bbbb-2222", "sk-aaaa-1111"])
        #expect(restored["proxy"]?.stringValue == "http://u:secret@p.example:1")
        var unknown = masked
        unknown.set(["claude": [["name": "c", "key": "****9999"]]], at: ["pools"])
        #expect(AdminSecrets.restore(unknown, stored: stored).1.map(\.path) == ["pools.claude[0].key"])
    }
}
