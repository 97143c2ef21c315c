import Hummingbird
import NIOCore

/// Request context that keeps the connection's channel, so a handler can watch for the client
/// going away (see ``DisconnectWatcher``).
struct FakeRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    let channel: any Channel

    init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.channel = source.channel
    }
}
