public import Hummingbird
public import NIOCore
import Synchronization

/// Knows which client connections have closed, so a request can cancel its upstream call the
/// moment its client hangs up, even while the relay is only waiting for upstream headers.
///
/// Hummingbird's `consumeWithCancellationOnInboundClose` does this too, but closes every
/// connection after the response, which breaks keep-alive for SDK clients (pooled connections
/// then fail with "I/O on closed channel"). Here a small handler in each connection's pipeline
/// reports `channelInactive`; requests look their connection up by identity, without a hop to
/// the event loop.
public final class ConnectionRegistry: Sendable {
    private let watchers = Mutex<[ObjectIdentifier: ConnectionWatcher]>([:])

    public init() {}

    /// The handler to install in each new connection's pipeline.
    public func makeHandler() -> ConnectionCloseHandler { ConnectionCloseHandler(registry: self) }

    func register(_ channel: any Channel) -> ConnectionWatcher {
        let watcher = ConnectionWatcher()
        watchers.withLock { $0[ObjectIdentifier(channel)] = watcher }
        return watcher
    }

    func remove(_ channel: any Channel) {
        _ = watchers.withLock { $0.removeValue(forKey: ObjectIdentifier(channel)) }
    }

    /// The watcher of `channel`; an already-closed one if the connection is gone.
    public func watcher(for channel: any Channel) -> ConnectionWatcher {
        if let watcher = watchers.withLock({ $0[ObjectIdentifier(channel)] }) { return watcher }
        let closed = ConnectionWatcher()
        if !channel.isActive { closed.markClosed() }
        return closed
    }
}

/// The closed/open state of one client connection, with waiters.
public final class ConnectionWatcher: Sendable {
    private struct State {
        var closed = false
        var nextID = 0
        var waiters: [Int: AsyncStream<Void>.Continuation] = [:]
    }

    private let state = Mutex(State())

    public var isClosed: Bool { state.withLock { $0.closed } }

    func markClosed() {
        let waiters = state.withLock { state -> [AsyncStream<Void>.Continuation] in
            guard !state.closed else { return [] }
            state.closed = true
            defer { state.waiters.removeAll() }
            return Array(state.waiters.values)
        }
        for waiter in waiters { waiter.finish() }
    }

    /// Returns when the connection closes, or at once when the calling task is cancelled.
    public func waitUntilClosed() async {
        let (stream, continuation) = AsyncStream<Void>.makeStream()
        let id = state.withLock { state -> Int? in
            if state.closed { return nil }
            state.nextID += 1
            state.waiters[state.nextID] = continuation
            return state.nextID
        }
        guard let id else { return }
        for await _ in stream {}
        _ = state.withLock { $0.waiters.removeValue(forKey: id) }
    }
}

/// Registers its connection on add and marks it closed when the channel goes inactive.
/// Passes every event on unchanged.
public final class ConnectionCloseHandler: ChannelInboundHandler, RemovableChannelHandler, Sendable {
    public typealias InboundIn = NIOAny
    private let registry: ConnectionRegistry
    private let watcher = Mutex<ConnectionWatcher?>(nil)

    init(registry: ConnectionRegistry) {
        self.registry = registry
    }

    public func handlerAdded(context: ChannelHandlerContext) {
        let created = registry.register(context.channel)
        watcher.withLock { $0 = created }
    }

    /// With half-closure allowed, a client hanging up arrives as `inputClosed`, not inactive.
    public func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? ChannelEvent, event == .inputClosed {
            watcher.withLock { $0 }?.markClosed()
        }
        context.fireUserInboundEventTriggered(event)
    }

    public func channelInactive(context: ChannelHandlerContext) {
        watcher.withLock { $0 }?.markClosed()
        registry.remove(context.channel)
        context.fireChannelInactive()
    }

    public func handlerRemoved(context: ChannelHandlerContext) {
        registry.remove(context.channel)
    }
}

/// Request context that remembers its connection, so the relay can watch it.
public struct RelayRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public let channel: any Channel

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.channel = source.channel
    }
}
