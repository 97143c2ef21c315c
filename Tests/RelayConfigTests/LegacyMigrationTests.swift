import Foundation
import RelayCore
import Testing

@testable import RelayConfig

@Suite struct LegacyMigrationTests {
    func original() throws -> JSONValue {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/original-all_configs.json")
        return try JSONValue.parse(Array(try Data(contentsOf: url)))
    }

    @Test func recognisesTheOriginalFormatOnly() throws {
        #expect(LegacyMigration.isLegacy(try original()))
        #expect(!LegacyMigration.isLegacy(["version": 1, "pools": [:]]))
        #expect(!LegacyMigration.isLegacy(["something": 1]))
    }

    @Test func migratesEveryPoolWithBearerAuthAndSchedules() throws {
        let result = LegacyMigration.migrate(try original())
        let file = result.file
        #expect(file.clients == [ClientEntry(name: "legacy-123", key: "123")])
        #expect(file.pools.claude.map(\.name) == ["Mon key", "Pool", "Backup"])
        #expect(file.pools.claude.allSatisfy { $0.auth == .bearer && $0.format == .anthropic })
        #expect(file.pools.claude[0].weekdays == [true, false, false, false, false, false, false])
        #expect(file.pools.claude[1].activation == Activation(enabled: true, time: "11:39"))
        #expect(file.pools.claude[2].role == .backup)
        #expect(file.pools.claude[2].enabled == false)
        #expect(file.pools.codex.first?.format == .openAIResponses)
        #expect(file.pools.codex.first?.baseURL == "https://relay-b.example/openai")
        #expect(file.pools.openai.map(\.name) == ["oa2c"])
        #expect(file.retryNodes.map(\.name) == ["retry-1"])
        #expect(file.modelRules.count == 2)
        #expect(result.notes.contains { $0.contains("full_format") })
    }

    @Test func carriesTimeoutsAndStrategies() throws {
        let file = LegacyMigration.migrate(try original()).file
        #expect(file.timeouts.connect == 30)
        #expect(file.timeouts.firstByte == 90)
        #expect(file.timeouts.idle == 90)
        #expect(file.timeouts.total == 299)
        #expect(file.health == HealthSettings(errorThreshold: 3, cooldownSeconds: 600, primaryCheckInterval: 30))
        #expect(file.retry.maxAttempts == 1)
        #expect(file.errorStrategies.httpStatus["429"] == .switch)
        #expect(file.errorStrategies.httpStatus["404"] == ErrorStrategies.Strategy.none, "normal_retry on a status returned the error")
        #expect(file.errorStrategies.httpStatus["500"] == .strategy)
        #expect(file.errorStrategies.httpStatus["default"] == .switch)
        #expect(file.errorStrategies.network["reset"] == .retry, "normal_retry on a network error retried")
        #expect(file.errorStrategies.network["connect_error"] == .retry)
        #expect(file.errorStrategies.network["first_byte_timeout"] == .strategy)
        #expect(file.legacy?["optimization_settings"]?["enable_cache_control_limit"]?.boolValue == true)
        #expect(file.legacy?["timeout_settings"]?["codex_base_timeout"]?.intValue == 60)
    }

    @Test func migratedConfigValidatesWithWeakKeyWarning() throws {
        let config = try ConfigValidator.validate(LegacyMigration.migrate(try original()).file)
        #expect(config.upstreams(in: .claude).count == 3)
        #expect(config.upstreams(in: .claude)[1].baseURL.path == "/api")
        #expect(config.upstreams(in: .claude)[1].auth == .bearer)
        #expect(config.warnings.contains { $0.contains("weak key") })
    }

    @Test func storeMigratesOnLoadAndKeepsTheOriginal() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sy-migrate-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let originalURL = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/original-all_configs.json")
        let originalBytes = try Data(contentsOf: originalURL)
        let store = ConfigStore(dataDirectory: directory)
        try originalBytes.write(to: store.configURL)

        let outcome = try store.load(environment: [:])
        let backup = try #require(outcome.migratedBackup)
        #expect(try Data(contentsOf: backup) == originalBytes)
        let attributes = try FileManager.default.attributesOfItem(atPath: backup.path)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        // The rewritten file is in the new schema and loads again without another migration.
        let again = try store.load(environment: [:])
        #expect(again.migratedBackup == nil)
        #expect(again.config.upstreams(in: .codex).map(\.name) == ["codex-1"])
        let mode = try FileManager.default.attributesOfItem(atPath: store.configURL.path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
    }
}
