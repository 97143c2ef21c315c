public import Logging
public import RelayCore

/// Writes the one info line per finished request: route, upstream, model, status, timing,
/// tokens. Keys never appear; the client is named by its configured name.
public struct RequestLogSink: UsageSink {
    let logger: Logger

    public init(logger: Logger) {
        self.logger = logger
    }

    public func record(_ record: RequestRecord) {
        guard logger.logLevel <= .info else { return }
        var metadata: Logger.Metadata = [
            "request_id": "\(record.requestID)",
            "route": "\(record.route)",
            "pool": "\(record.pool)",
            "status": "\(record.status)",
            "duration_ms": "\(Int(record.durationSeconds * 1000))",
        ]
        if let client = record.client { metadata["client"] = "\(client)" }
        if let upstream = record.upstream { metadata["upstream"] = "\(upstream)" }
        if let model = record.requestedModel { metadata["model"] = "\(model)" }
        if let served = record.servedModel, served != record.requestedModel { metadata["served_model"] = "\(served)" }
        if let ttfb = record.timeToFirstByteSeconds { metadata["ttfb_ms"] = "\(Int(ttfb * 1000))" }
        if !record.usage.isEmpty {
            func show(_ value: Int?) -> Logger.MetadataValue { "\(value.map(String.init) ?? "?")" }
            metadata["tokens_in"] = show(record.usage.input)
            metadata["tokens_out"] = show(record.usage.output)
            metadata["tokens_cache_write"] = show(record.usage.cacheWrite)
            metadata["tokens_cache_read"] = show(record.usage.cacheRead)
            if let reasoning = record.usage.reasoning { metadata["tokens_reasoning"] = "\(reasoning)" }
        }
        if record.streamed { metadata["stream"] = "true" }
        if record.partial { metadata["partial"] = "true" }
        if record.clientCancelled { metadata["client_cancelled"] = "true" }
        if let error = record.errorLabel { metadata["error"] = "\(error)" }
        logger.info("request finished", metadata: metadata)
    }
}

/// Sends each record to several sinks (the log line and, later, the ledger).
public struct FanoutUsageSink: UsageSink {
    let sinks: [any UsageSink]

    public init(_ sinks: [any UsageSink]) {
        self.sinks = sinks
    }

    public func record(_ record: RequestRecord) {
        for sink in sinks { sink.record(record) }
    }
}
