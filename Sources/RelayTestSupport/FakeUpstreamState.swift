import Synchronization

/// What a ``FakeUpstream`` has seen: the recorded requests and the counters.
///
/// Shared by every connection of one fake; each operation takes the lock once, briefly, and never
/// awaits inside it.
final class FakeUpstreamState: Sendable {
    private struct Storage {
        var requests: [RecordedRequest] = []
        var stats = FakeUpstream.Stats()
        var sequence = 0
        var defaults: [String: String] = [:]
        var failureRate = 0.0
        var failureStatus = 500
    }

    /// When false nothing is stored (benchmarks), the counters still run.
    let recording: Bool
    private let storage = Mutex(Storage())

    init(recording: Bool) {
        self.recording = recording
    }

    /// Counts a request that arrived and returns its sequence number (1, 2, …), used in the ids
    /// the fake hands out (`req_fake_N`, `msg_fake_N`, `call_fake_N`).
    func arrived() -> Int {
        storage.withLock { storage in
            storage.stats.received += 1
            storage.sequence += 1
            return storage.sequence
        }
    }

    func record(_ request: RecordedRequest) {
        guard recording else { return }
        storage.withLock { $0.requests.append(request) }
    }

    func completed() {
        storage.withLock { $0.stats.completed += 1 }
    }

    func cancelled() {
        storage.withLock { $0.stats.cancelled += 1 }
    }

    var requests: [RecordedRequest] { storage.withLock { $0.requests } }
    var stats: FakeUpstream.Stats { storage.withLock { $0.stats } }

    func reset() {
        storage.withLock { $0 = Storage() }
    }

    /// Control headers applied to every request that does not carry them itself.
    var defaults: [String: String] {
        get { storage.withLock { $0.defaults } }
        set { storage.withLock { $0.defaults = newValue } }
    }

    /// A share of requests (0…1) answered with `status` instead, chosen at random.
    func setRandomFailures(rate: Double, status: Int) {
        storage.withLock {
            $0.failureRate = rate
            $0.failureStatus = status
        }
    }

    func randomFailure() -> Int? {
        storage.withLock { storage in
            guard storage.failureRate > 0, Double.random(in: 0..<1) < storage.failureRate else { return nil }
            return storage.failureStatus
        }
    }
}
