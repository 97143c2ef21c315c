import Foundation
import Logging
import RelayConfig
import RelayRouting
import RelayStorage
import ServiceLifecycle

/// Keeps the ledger tidy: once at start and then daily, deletes raw records older than
/// `usage.retention_days` (rollups stay, so long periods still answer), and follows changes of
/// the configured time zone for the daily rollups.
final class UsageMaintenance: Service, Sendable {
    let runtime: RelayRuntime

    init(runtime: RelayRuntime) {
        self.runtime = runtime
    }

    func run() async throws {
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                await self.tick()
                try await Task.sleep(for: .seconds(3600))
            }
        }
    }

    func tick() async {
        guard let store = runtime.usageStore else { return }
        let config = runtime.configs.snapshot
        if store.dailyTimeZone.identifier != config.timeZone.identifier {
            try? await store.setDailyTimeZone(config.timeZone)
        }
        guard let days = config.file.usage.retentionDays else { return }
        do {
            let removed = try await store.deleteOlderThan(days: days, now: runtime.wallClock.now())
            if removed > 0 { runtime.logger.info("usage retention: old request records deleted", metadata: ["removed": "\(removed)", "days": "\(days)"]) }
        } catch {
            runtime.logger.warning("usage retention failed", metadata: ["error": "\(error)"])
        }
    }
}
