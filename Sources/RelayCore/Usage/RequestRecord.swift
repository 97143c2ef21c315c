import Foundation

/// Everything the relay knows about one finished client request: the unit of the usage ledger.
public struct RequestRecord: Sendable {
    public var requestID: String
    public var startedAt: Date
    public var client: String?
    /// The API the client spoke (`anthropic`, `openai-responses`, `openai-chat`).
    public var inbound: WireFormat
    /// Route family for logs (`messages`, `count_tokens`, `models`, `responses`).
    public var route: String
    public var pool: String
    public var upstream: String?
    public var requestedModel: String?
    public var servedModel: String?
    public var status: Int
    public var attempts: Int
    public var durationSeconds: Double
    public var timeToFirstByteSeconds: Double?
    public var usage: TokenUsage
    public var streamed: Bool
    /// The stream ended without its terminal event (upstream broke or the client left).
    public var partial: Bool
    public var clientCancelled: Bool
    public var errorLabel: String?

    public init(
        requestID: String, startedAt: Date, client: String?, inbound: WireFormat, route: String, pool: String,
        upstream: String? = nil, requestedModel: String? = nil, servedModel: String? = nil, status: Int = 0,
        attempts: Int = 0, durationSeconds: Double = 0, timeToFirstByteSeconds: Double? = nil, usage: TokenUsage = .init(),
        streamed: Bool = false, partial: Bool = false, clientCancelled: Bool = false, errorLabel: String? = nil
    ) {
        self.requestID = requestID
        self.startedAt = startedAt
        self.client = client
        self.inbound = inbound
        self.route = route
        self.pool = pool
        self.upstream = upstream
        self.requestedModel = requestedModel
        self.servedModel = servedModel
        self.status = status
        self.attempts = attempts
        self.durationSeconds = durationSeconds
        self.timeToFirstByteSeconds = timeToFirstByteSeconds
        self.usage = usage
        self.streamed = streamed
        self.partial = partial
        self.clientCancelled = clientCancelled
        self.errorLabel = errorLabel
    }
}

/// Receives one record per finished request. The durable ledger implements this; it must not
/// block (records are handed off, written elsewhere).
public protocol UsageSink: Sendable {
    func record(_ record: RequestRecord)
}
