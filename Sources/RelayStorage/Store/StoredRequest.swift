import Foundation
import RelayCore

/// One row of the `requests` table: a `RequestRecord` as stored and exported.
///
/// Invariants: token fields stay `nil` when the upstream did not report them (never 0);
/// `startedAt` has millisecond precision; text fields hold no NUL characters and empty
/// strings are stored as `nil`, so both databases keep exactly the same values.
public struct StoredRequest: Sendable, Equatable {
    public var requestID: String
    /// Start time in Unix milliseconds, the stored form.
    public var startedAtMilliseconds: Int64
    public var client: String?
    public var inbound: String
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
    public var partial: Bool
    public var clientCancelled: Bool
    public var errorLabel: String?

    /// Normalises a relay record for storage (see the type's invariants).
    public init(_ record: RequestRecord) {
        requestID = Self.clean(record.requestID) ?? ""
        startedAtMilliseconds = Self.milliseconds(record.startedAt)
        client = Self.clean(record.client)
        inbound = record.inbound.rawValue
        route = Self.clean(record.route) ?? ""
        pool = Self.clean(record.pool) ?? ""
        upstream = Self.clean(record.upstream)
        requestedModel = Self.clean(record.requestedModel)
        servedModel = Self.clean(record.servedModel)
        status = record.status
        attempts = record.attempts
        durationSeconds = record.durationSeconds.isFinite ? record.durationSeconds : 0
        timeToFirstByteSeconds = record.timeToFirstByteSeconds.flatMap { $0.isFinite ? $0 : nil }
        usage = record.usage
        streamed = record.streamed
        partial = record.partial
        clientCancelled = record.clientCancelled
        errorLabel = Self.clean(record.errorLabel)
    }

    init(
        requestID: String, startedAtMilliseconds: Int64, client: String?, inbound: String, route: String, pool: String,
        upstream: String?, requestedModel: String?, servedModel: String?, status: Int, attempts: Int,
        durationSeconds: Double, timeToFirstByteSeconds: Double?, usage: TokenUsage, streamed: Bool, partial: Bool,
        clientCancelled: Bool, errorLabel: String?
    ) {
        self.requestID = requestID
        self.startedAtMilliseconds = startedAtMilliseconds
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

    public var startedAt: Date { Date(timeIntervalSince1970: Double(startedAtMilliseconds) / 1000) }

    /// The model that is billed: the served model when the upstream named it, else the
    /// requested one. Stats group by this.
    public var billedModel: String? { servedModel ?? requestedModel }

    /// A column value with its Swift type, so each backend binds it natively.
    enum ColumnValue: Sendable, Equatable {
        case integer(Int64?)
        case double(Double?)
        case text(String?)
        case bool(Bool)
    }

    /// The row's values in `UsageStore.requestColumns` order: the one place both insert paths
    /// (sql-kit and SQLite's prepared statement) take them from.
    var columnValues: [ColumnValue] {
        [
            .text(requestID), .integer(startedAtMilliseconds), .text(client), .text(inbound), .text(route), .text(pool),
            .text(upstream), .text(requestedModel), .text(servedModel), .integer(Int64(status)), .integer(Int64(attempts)),
            .double(durationSeconds), .double(timeToFirstByteSeconds), .integer(usage.input.map(Int64.init)),
            .integer(usage.output.map(Int64.init)), .integer(usage.cacheWrite.map(Int64.init)),
            .integer(usage.cacheWrite5m.map(Int64.init)), .integer(usage.cacheWrite1h.map(Int64.init)),
            .integer(usage.cacheRead.map(Int64.init)), .integer(usage.reasoning.map(Int64.init)), .bool(streamed), .bool(partial),
            .bool(clientCancelled), .text(errorLabel),
        ]
    }

    static func milliseconds(_ date: Date) -> Int64 {
        let value = (date.timeIntervalSince1970 * 1000).rounded(.down)
        guard value.isFinite, abs(value) < 9e15 else { return 0 }
        return Int64(value)
    }

    static func clean(_ text: String?) -> String? {
        guard let text, !text.isEmpty else { return nil }
        // `utf8.contains`: Foundation's `contains` on String costs a bridged search per field.
        let cleaned = text.utf8.contains(0) ? text.replacingOccurrences(of: "\u{0}", with: "") : text
        return cleaned.isEmpty ? nil : cleaned
    }
}

extension StoredRequest: Codable {
    /// Export keys, in export (and CSV column) order.
    enum CodingKeys: String, CodingKey, CaseIterable {
        case requestID = "request_id"
        case startedAt = "started_at"
        case client, inbound, route, pool, upstream
        case requestedModel = "requested_model"
        case servedModel = "served_model"
        case status, attempts
        case durationSeconds = "duration_seconds"
        case timeToFirstByteSeconds = "ttfb_seconds"
        case inputTokens = "input_tokens"
        case outputTokens = "output_tokens"
        case cacheWriteTokens = "cache_write_tokens"
        case cacheWrite5mTokens = "cache_write_5m_tokens"
        case cacheWrite1hTokens = "cache_write_1h_tokens"
        case cacheReadTokens = "cache_read_tokens"
        case reasoningTokens = "reasoning_tokens"
        case streamed, partial
        case clientCancelled = "client_cancelled"
        case errorLabel = "error_label"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let stamp = try c.decode(String.self, forKey: .startedAt)
        guard let milliseconds = TimeText.parseISO8601Milliseconds(stamp) else {
            throw DecodingError.dataCorruptedError(forKey: .startedAt, in: c, debugDescription: "expected an ISO 8601 UTC time")
        }
        self.init(
            requestID: try c.decode(String.self, forKey: .requestID),
            startedAtMilliseconds: milliseconds,
            client: try c.decodeIfPresent(String.self, forKey: .client),
            inbound: try c.decode(String.self, forKey: .inbound),
            route: try c.decode(String.self, forKey: .route),
            pool: try c.decode(String.self, forKey: .pool),
            upstream: try c.decodeIfPresent(String.self, forKey: .upstream),
            requestedModel: try c.decodeIfPresent(String.self, forKey: .requestedModel),
            servedModel: try c.decodeIfPresent(String.self, forKey: .servedModel),
            status: try c.decode(Int.self, forKey: .status),
            attempts: try c.decode(Int.self, forKey: .attempts),
            durationSeconds: try c.decode(Double.self, forKey: .durationSeconds),
            timeToFirstByteSeconds: try c.decodeIfPresent(Double.self, forKey: .timeToFirstByteSeconds),
            usage: TokenUsage(
                input: try c.decodeIfPresent(Int.self, forKey: .inputTokens),
                output: try c.decodeIfPresent(Int.self, forKey: .outputTokens),
                cacheWrite: try c.decodeIfPresent(Int.self, forKey: .cacheWriteTokens),
                cacheWrite5m: try c.decodeIfPresent(Int.self, forKey: .cacheWrite5mTokens),
                cacheWrite1h: try c.decodeIfPresent(Int.self, forKey: .cacheWrite1hTokens),
                cacheRead: try c.decodeIfPresent(Int.self, forKey: .cacheReadTokens),
                reasoning: try c.decodeIfPresent(Int.self, forKey: .reasoningTokens)
            ),
            streamed: try c.decode(Bool.self, forKey: .streamed),
            partial: try c.decode(Bool.self, forKey: .partial),
            clientCancelled: try c.decode(Bool.self, forKey: .clientCancelled),
            errorLabel: try c.decodeIfPresent(String.self, forKey: .errorLabel)
        )
    }

    /// Writes every key, with explicit `null` for unknown values (unknown is not 0).
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(requestID, forKey: .requestID)
        try c.encode(TimeText.iso8601UTC(milliseconds: startedAtMilliseconds), forKey: .startedAt)
        try c.encode(client, forKey: .client)
        try c.encode(inbound, forKey: .inbound)
        try c.encode(route, forKey: .route)
        try c.encode(pool, forKey: .pool)
        try c.encode(upstream, forKey: .upstream)
        try c.encode(requestedModel, forKey: .requestedModel)
        try c.encode(servedModel, forKey: .servedModel)
        try c.encode(status, forKey: .status)
        try c.encode(attempts, forKey: .attempts)
        try c.encode(durationSeconds, forKey: .durationSeconds)
        try c.encode(timeToFirstByteSeconds, forKey: .timeToFirstByteSeconds)
        try c.encode(usage.input, forKey: .inputTokens)
        try c.encode(usage.output, forKey: .outputTokens)
        try c.encode(usage.cacheWrite, forKey: .cacheWriteTokens)
        try c.encode(usage.cacheWrite5m, forKey: .cacheWrite5mTokens)
        try c.encode(usage.cacheWrite1h, forKey: .cacheWrite1hTokens)
        try c.encode(usage.cacheRead, forKey: .cacheReadTokens)
        try c.encode(usage.reasoning, forKey: .reasoningTokens)
        try c.encode(streamed, forKey: .streamed)
        try c.encode(partial, forKey: .partial)
        try c.encode(clientCancelled, forKey: .clientCancelled)
        try c.encode(errorLabel, forKey: .errorLabel)
    }
}
