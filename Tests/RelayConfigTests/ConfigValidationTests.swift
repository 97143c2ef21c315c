import Foundation
import RelayCore
import Testing

@testable import RelayConfig

@Suite struct ConfigValidationTests {
    func decode(_ text: String) throws(ConfigError) -> RuntimeConfig {
        let store = ConfigStore(dataDirectory: URL(fileURLWithPath: "/nonexistent"))
        return try store.decodeAndValidate(Data(text.utf8), environment: [:], path: "test.json")
    }

    func issues(_ text: String) -> [String] {
        do {
            _ = try decode(text)
            return []
        } catch {
            return error.issues.map(\.description)
        }
    }

    @Test func minimalFileGetsDefaults() throws {
        let config = try decode(#"{"clients":[{"name":"me","key":"sy-0123456789abcdef0123"}]}"#)
        #expect(config.server.port == 5101)
        #expect(config.server.host == "127.0.0.1")
        #expect(config.server.maxBodyBytes == 32 << 20)
        #expect(config.timeouts == Timeouts())
        #expect(config.warnings.isEmpty)
    }

    @Test func upstreamDefaultsFollowThePool() throws {
        let config = try decode(
            #"""
            {"clients":[{"name":"me","key":"sy-0123456789abcdef0123"}],
             "pools":{"claude":[{"name":"a","base_url":"https://api.anthropic.com/","key":"sk-ant-x"}],
                      "codex":[{"name":"b","base_url":"https://api.openai.com/v1","key":"sk-y","weekdays":[1,1,1,1,1,0,0]}]}}
            """#)
        let claude = try #require(config.upstreams(in: .claude).first)
        #expect(claude.format == .anthropic)
        #expect(claude.auth == .xAPIKey)
        #expect(claude.baseURL.path == "")
        #expect(claude.baseURL.origin == "https://api.anthropic.com")
        let codex = try #require(config.upstreams(in: .codex).first)
        #expect(codex.format == .openAIResponses)
        #expect(codex.auth == .bearer)
        #expect(codex.baseURL.path == "/v1")
        #expect(codex.weekdays == [true, true, true, true, true, false, false])
    }

    @Test func typeErrorsNameTheFieldPath() {
        #expect(issues(#"{"pools":{"claude":[{"base_url":"https://x","key":"k","enabled":"yes"}]}}"#) == ["pools.claude[0].enabled: expected a boolean"])
        #expect(issues(#"{"pools":{"codex":[{"base_url":"https://x"}]}}"#) == ["pools.codex[0].key: required key is missing"])
    }

    @Test func unknownKeysAreErrorsNotSilence() throws {
        let found = issues(#"{"pools":{"claude":[{"base_url":"https://x","key":"k","wekdays":[1,1,1,1,1,1,1]}]}}"#)
        #expect(found.count == 1)
        #expect(found.first?.hasPrefix("pools.claude[0].wekdays: unknown key") == true)
    }

    @Test func validationCollectsEveryProblem() {
        let found = issues(
            #"""
            {"server":{"port":70000},"time_zone":"Mars/Olympus","proxy":"ftp://p",
             "clients":[{"name":"a","key":"same-key-0123456789"},{"name":"b","key":"same-key-0123456789"}],
             "pools":{"claude":[{"name":"u","base_url":"ftp://x","key":" ","weekdays":[1,1]},
                                {"name":"u","base_url":"https://user:pw@x","key":"k","format":"openai-chat","activation":{"enabled":true,"time":"25:00"}}]},
             "timeouts":{"idle":0},"error_strategies":{"http_status":{"abc":"switch"},"network":{"dns":"retry"}}}
            """#)
        let expected = [
            "server.port", "time_zone", "proxy", "clients[1].key", "pools.claude[0].base_url", "pools.claude[0].key",
            "pools.claude[0].weekdays", "pools.claude[1].name", "pools.claude[1].base_url", "pools.claude[1].format",
            "pools.claude[1].activation.time", "timeouts.idle", "error_strategies.http_status.abc", "error_strategies.network.dns",
        ]
        for path in expected {
            #expect(found.contains { $0.hasPrefix(path + ":") }, "missing issue for \(path) in \(found)")
        }
    }

    @Test func environmentProxyAppliesUnlessNoProxyMatches() throws {
        let file = ConfigFile(
            clients: [ClientEntry(name: "c", key: "sy-0123456789abcdef0123")],
            pools: Pools(claude: [
                UpstreamEntry(name: "far", baseURL: "https://api.anthropic.com", key: "k"),
                UpstreamEntry(name: "near", baseURL: "https://internal.corp.example", key: "k"),
                UpstreamEntry(name: "own", baseURL: "https://api.anthropic.com", key: "k", proxy: "socks5://127.0.0.1:1080"),
                UpstreamEntry(name: "direct", baseURL: "https://api.anthropic.com", key: "k", proxy: "none"),
            ]))
        let config = try ConfigValidator.validate(file, environment: ["HTTPS_PROXY": "http://10.0.0.1:3128", "NO_PROXY": "localhost,.corp.example"])
        let proxies = config.upstreams(in: .claude).map { $0.proxy?.description }
        #expect(proxies == ["http://10.0.0.1:3128", nil, "socks5://127.0.0.1:1080", nil])
    }

    @Test func starterConfigIsWrittenPrivatelyAndValid() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sy-starter-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = ConfigStore(dataDirectory: directory)
        let outcome = try store.load(environment: [:])
        let key = try #require(outcome.createdStarterWithKey)
        #expect(key.hasPrefix("sy-") && key.count == 43)
        #expect(outcome.config.clients.map(\.name) == ["default"])
        let mode = try FileManager.default.attributesOfItem(atPath: store.configURL.path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        let text = try String(contentsOf: store.configURL, encoding: .utf8)
        #expect(text.contains(key))
        #expect(try store.load(environment: [:]).createdStarterWithKey == nil)
    }

    @Test func invalidFileReportsPathAndKeepsFileUntouched() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sy-bad-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let store = ConfigStore(dataDirectory: directory)
        let bad = Data(#"{"version":1,"clients":[{"name":"x","key":5}]}"#.utf8)
        try bad.write(to: store.configURL)
        #expect(throws: ConfigError.self) { try store.load(environment: [:]) }
        #expect(try Data(contentsOf: store.configURL) == bad)
    }
}

@Suite struct DurationLimitTests {
    @Test func hugeDurationsAreConfigErrorsNotCrashes() {
        var file = ConfigFile(clients: [ClientEntry(name: "c", key: "sy-0123456789abcdef0123")])
        file.timeouts.connect = 1e300
        file.timeouts.pools = ["codex": TimeoutOverride(idle: 1e20)]
        file.health.cooldownMaxSeconds = 1e300
        file.retry.deadlineSeconds = 1e300
        do {
            _ = try ConfigValidator.validate(file)
            Issue.record("expected a ConfigError")
        } catch {
            let paths = error.issues.map(\.path)
            #expect(paths.contains("timeouts.connect"))
            #expect(paths.contains("timeouts.pools.codex.idle"))
            #expect(paths.contains("health.cooldown_max_seconds"))
            #expect(paths.contains("retry.deadline_seconds"))
        }
    }
}
