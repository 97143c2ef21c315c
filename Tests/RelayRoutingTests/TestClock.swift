import Foundation
import RelayConfig
import RelayRouting
import Synchronization

/// A monotonic clock the test moves by hand.
final class ManualClock: MonotonicClock {
    private let now = Mutex<Double>(1000)
    func seconds() -> Double { now.withLock { $0 } }
    func advance(_ seconds: Double) { now.withLock { $0 += seconds } }
}

func targets(_ entries: [UpstreamEntry], pool: PoolName = .claude, retryNodes: [UpstreamEntry] = []) throws -> (pool: [UpstreamTarget], nodes: [UpstreamTarget]) {
    var pools = Pools()
    switch pool {
    case .claude: pools.claude = entries
    case .codex: pools.codex = entries
    case .openai: pools.openai = entries
    }
    let file = ConfigFile(clients: [ClientEntry(name: "c", key: "sy-0123456789abcdef0123")], pools: pools, retryNodes: retryNodes)
    let config = try ConfigValidator.validate(file)
    return (config.upstreams(in: pool), config.retryNodes)
}

func utc() -> TimeZone { TimeZone(identifier: "UTC") ?? .current }

func isoDate(_ text: String) -> Date { ISO8601DateFormatter().date(from: text) ?? Date() }
