public import Foundation
import Logging
public import RelayConfig
public import ServiceLifecycle

/// Applies edits of `all_configs.json` while running: the file is checked every second, and a
/// valid new version replaces the snapshot for new requests (in-flight requests finish on the
/// one they started with). An invalid file keeps the running config and logs every problem with
/// its field path. Upstream health survives because it is keyed by upstream identity.
public final class ConfigReloader: Service, Sendable {
    let runtime: RelayRuntime
    let store: ConfigStore
    let environment: [String: String]
    let interval: Duration

    public init(runtime: RelayRuntime, store: ConfigStore, environment: [String: String], interval: Duration = .seconds(1)) {
        self.runtime = runtime
        self.store = store
        self.environment = environment
        self.interval = interval
    }

    public enum Outcome: Sendable {
        case unchanged
        case reloaded
        case invalid(ConfigError)
    }

    public func run() async throws {
        // Shutdown cancels the sleep; that is a normal end, not an error (exit status 0).
        try? await cancelWhenGracefulShutdown {
            var last = self.fileStamp()
            while !Task.isCancelled {
                try await Task.sleep(for: self.interval)
                let current = self.fileStamp()
                if current != last {
                    last = current
                    _ = self.reload()
                }
            }
        }
    }

    func fileStamp() -> String {
        let attributes = try? FileManager.default.attributesOfItem(atPath: store.configURL.path)
        let modified = (attributes?[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
        let size = (attributes?[.size] as? Int) ?? -1
        return "\(modified)|\(size)"
    }

    /// Re-reads the file now.
    @discardableResult
    public func reload() -> Outcome {
        do {
            let data = try Data(contentsOf: store.configURL)
            let config = try store.decodeAndValidate(data, environment: environment, path: store.configURL.path)
            let before = runtime.configs.snapshot.file
            if before == config.file { return .unchanged }
            runtime.configs.replace(with: config)
            runtime.logger.info("config reloaded", metadata: ["file": "\(store.configURL.path)"])
            for warning in config.warnings { runtime.logger.warning("\(warning)") }
            return .reloaded
        } catch let error as ConfigError {
            runtime.logger.error("config change rejected; the running config stays", metadata: ["problems": "\(error.issues.map(\.description))"])
            return .invalid(error)
        } catch {
            let wrapped = ConfigError(path: "", "cannot read: \(error)", file: store.configURL.path)
            runtime.logger.error("config change rejected; the running config stays", metadata: ["problems": "\(wrapped.issues.map(\.description))"])
            return .invalid(wrapped)
        }
    }
}
