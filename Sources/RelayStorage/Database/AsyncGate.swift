import Synchronization

/// A FIFO async mutex: one holder at a time, waiters resumed in arrival order.
///
/// Why: a SQLite connection carries transaction state, so two tasks must never interleave
/// `BEGIN … COMMIT` on it. `Mutex` cannot be held across `await`, so this gate hands ownership
/// from one task to the next instead. Waiting is not cancellable on purpose: holders only run
/// short database operations, and a cancelled writer still has to drain.
final class AsyncGate: Sendable {
    private struct State {
        var held = false
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    private let state = Mutex(State())

    init() {}

    func withGate<R>(_ body: () async throws -> R) async throws -> R {
        await acquire()
        defer { release() }
        return try await body()
    }

    private func acquire() async {
        let acquired = state.withLock { state -> Bool in
            if state.held { return false }
            state.held = true
            return true
        }
        if acquired { return }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let immediately = state.withLock { state -> Bool in
                if !state.held {
                    state.held = true
                    return true
                }
                state.waiters.append(continuation)
                return false
            }
            if immediately { continuation.resume() }
        }
    }

    private func release() {
        // Ownership passes straight to the next waiter, so `held` stays true in that case.
        let next = state.withLock { state -> CheckedContinuation<Void, Never>? in
            if state.waiters.isEmpty {
                state.held = false
                return nil
            }
            return state.waiters.removeFirst()
        }
        next?.resume()
    }
}
