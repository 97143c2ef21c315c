public import RelayConfig
import Synchronization

/// The current config snapshot. Requests take it once at their start; a reload swaps it
/// atomically and never touches a snapshot an in-flight request holds.
public final class ConfigHolder: Sendable {
    private let current: Mutex<RuntimeConfig>

    public init(_ config: RuntimeConfig) {
        current = Mutex(config)
    }

    public var snapshot: RuntimeConfig { current.withLock { $0 } }

    public func replace(with config: RuntimeConfig) {
        current.withLock { $0 = config }
    }
}
