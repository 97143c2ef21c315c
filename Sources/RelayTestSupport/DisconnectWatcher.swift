import NIOCore
import Synchronization

/// Thrown when the client closed its side of the connection before the fake finished answering.
struct ClientDisconnected: Error {}

/// Knows when the client of one connection went away, and offers sleeps that end early when it does.
///
/// The server allows TCP half-closure, so a client that hangs up does not close the channel: only
/// its input side ends. A ``DisconnectHandler`` at the front of the pipeline sees that event (or the
/// channel going inactive) and marks the watcher closed. Any pending ``sleep(milliseconds:)`` then
/// throws ``ClientDisconnected`` at once, which is how hangs, first-byte delays and paced streams
/// notice a vanished client without polling.
final class DisconnectWatcher: Sendable {
    private enum Entry {
        /// `sleep` started but has not parked its continuation yet.
        case starting
        /// Cancelled while starting: the continuation must resume at once.
        case cancelled
        case waiting(CheckedContinuation<Void, any Error>)
    }

    private struct State {
        var closed = false
        var nextID: UInt64 = 0
        var entries: [UInt64: Entry] = [:]
    }

    private let eventLoop: any EventLoop
    private let state = Mutex(State())

    init(eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    /// Returns the watcher of `channel`, installing it the first time a request on that connection
    /// asks.
    static func watcher(for channel: any Channel) async throws -> DisconnectWatcher {
        try await channel.eventLoop.submit {
            let operations = channel.pipeline.syncOperations
            if let handler = try? operations.handler(type: DisconnectHandler.self) {
                return handler.watcher
            }
            let watcher = DisconnectWatcher(eventLoop: channel.eventLoop)
            try operations.addHandler(DisconnectHandler(watcher: watcher), position: .first)
            if !channel.isActive {
                watcher.markClosed()
            }
            return watcher
        }.get()
    }

    /// Whether the client has gone away.
    var isClosed: Bool { state.withLock { $0.closed } }

    /// Throws ``ClientDisconnected`` if the client has gone away.
    func check() throws {
        if isClosed { throw ClientDisconnected() }
    }

    /// Marks the client gone and wakes every pending sleep with ``ClientDisconnected``.
    func markClosed() {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, any Error>] in
            guard !state.closed else { return [] }
            state.closed = true
            var waiters: [CheckedContinuation<Void, any Error>] = []
            for (id, entry) in state.entries {
                if case .waiting(let waiter) = entry {
                    waiters.append(waiter)
                    state.entries[id] = nil
                }
            }
            return waiters
        }
        for waiter in waiters {
            waiter.resume(throwing: ClientDisconnected())
        }
    }

    /// Waits `milliseconds` (forever when `nil`), or until the client goes away
    /// (throws ``ClientDisconnected``) or the task is cancelled (throws `CancellationError`).
    func sleep(milliseconds: Int?) async throws {
        let id = state.withLock { state in
            state.nextID += 1
            state.entries[state.nextID] = .starting
            return state.nextID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                enum Outcome { case waiting, disconnected, cancelled }
                let outcome = state.withLock { state -> Outcome in
                    if case .cancelled = state.entries[id] {
                        state.entries[id] = nil
                        return .cancelled
                    }
                    if state.closed {
                        state.entries[id] = nil
                        return .disconnected
                    }
                    state.entries[id] = .waiting(continuation)
                    return .waiting
                }
                switch outcome {
                case .disconnected:
                    continuation.resume(throwing: ClientDisconnected())
                case .cancelled:
                    continuation.resume(throwing: CancellationError())
                case .waiting:
                    if let milliseconds {
                        eventLoop.scheduleTask(in: .milliseconds(Int64(milliseconds))) {
                            self.wake(id, throwing: nil)
                        }
                    }
                }
            }
        } onCancel: {
            self.wake(id, throwing: CancellationError())
        }
    }

    private func wake(_ id: UInt64, throwing error: (any Error)?) {
        let waiter = state.withLock { state -> CheckedContinuation<Void, any Error>? in
            switch state.entries[id] {
            case .waiting(let waiter):
                state.entries[id] = nil
                return waiter
            case .starting:
                if error is CancellationError { state.entries[id] = .cancelled }
                return nil
            case .cancelled, nil:
                return nil
            }
        }
        guard let waiter else { return }
        if let error {
            waiter.resume(throwing: error)
        } else {
            waiter.resume()
        }
    }
}

/// Sits first in a connection's pipeline and tells its ``DisconnectWatcher`` when the client's
/// side closes. Passes every event on unchanged.
final class DisconnectHandler: ChannelInboundHandler, Sendable {
    typealias InboundIn = NIOAny

    let watcher: DisconnectWatcher

    init(watcher: DisconnectWatcher) {
        self.watcher = watcher
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? ChannelEvent, event == .inputClosed {
            watcher.markClosed()
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelInactive(context: ChannelHandlerContext) {
        watcher.markClosed()
        context.fireChannelInactive()
    }
}
