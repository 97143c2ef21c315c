import Foundation
public import Prometheus
public import RelayConfig
public import RelayCore
import RelayRouting
import Synchronization

/// Prometheus metrics of the relay, fed by the per-request records (it is a `UsageSink`) and by
/// gauges computed at scrape time. Label values come only from bounded sets: routes, pools,
/// status classes, error classes, token kinds, and upstream names from the config.
public final class RelayMetrics: UsageSink, Sendable {
    public let registry = PrometheusCollectorRegistry()
    private let inFlight = Mutex(0)
    private let extraGauges = Mutex<[@Sendable () -> [(name: String, value: Double)]]>([])

    static let knownErrors: Set<String> = [
        "missing_api_key", "invalid_api_key", "request_too_large", "no_upstream_available", "client_cancelled", "not_implemented",
        "connect_error", "connect_timeout", "first_byte_timeout", "idle_timeout", "reset", "rate_limited", "upstream_keys_rejected",
        "upstream_error", "upstream_unreachable", "upstream_timeout", "overloaded_error", "server_is_overloaded", "misconfigured",
    ]
    static let durationBuckets: [Duration] = [
        .milliseconds(5), .milliseconds(25), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2),
        .seconds(5), .seconds(10), .seconds(30), .seconds(60), .seconds(120), .seconds(300), .seconds(600),
    ]

    public init() {}

    public func record(_ record: RequestRecord) {
        let statusClass = record.status == 499 ? "cancelled" : record.status == 0 ? "none" : "\(record.status / 100)xx"
        registry.makeCounter(
            name: "switchyard_requests_total", labels: [("route", record.route), ("pool", record.pool), ("status", statusClass)],
            help: "Client requests by route, pool and status class."
        ).increment()
        if let error = record.errorLabel {
            let label = Self.bound(error)
            registry.makeCounter(
                name: "switchyard_request_errors_total", labels: [("route", record.route), ("error", label)],
                help: "Client requests that ended with an error, by error class."
            ).increment()
        }
        if record.attempts > 0 {
            registry.makeCounter(name: "switchyard_upstream_attempts_total", labels: [("pool", record.pool)], help: "Upstream attempts.")
                .increment(by: Int64(record.attempts))
        }
        if record.attempts > 1 {
            registry.makeCounter(
                name: "switchyard_failovers_total", labels: [("pool", record.pool)], help: "Attempts after the first (failover or retry)."
            ).increment(by: Int64(record.attempts - 1))
        }
        let kinds: [(String, Int?)] = [
            ("input", record.usage.input), ("output", record.usage.output), ("cache_write", record.usage.cacheWrite),
            ("cache_read", record.usage.cacheRead), ("reasoning", record.usage.reasoning),
        ]
        for (kind, value) in kinds {
            guard let value, value > 0 else { continue }
            registry.makeCounter(
                name: "switchyard_tokens_total", labels: [("pool", record.pool), ("kind", kind)], help: "Tokens by kind (input is new, uncached input)."
            ).increment(by: Int64(value))
        }
        if let ttfb = record.timeToFirstByteSeconds {
            registry.makeDurationHistogram(
                name: "switchyard_time_to_first_byte_seconds", labels: [("route", record.route)], buckets: Self.durationBuckets,
                help: "Time from request to the first byte sent to the client."
            ).record(.milliseconds(Int64(ttfb * 1000)))
        }
        registry.makeDurationHistogram(
            name: "switchyard_request_duration_seconds", labels: [("route", record.route)], buckets: Self.durationBuckets,
            help: "Whole request duration."
        ).record(.milliseconds(Int64(record.durationSeconds * 1000)))
        if record.partial {
            registry.makeCounter(name: "switchyard_partial_streams_total", labels: [("pool", record.pool)], help: "Streams that ended without their terminal event.")
                .increment()
        }
    }

    static func bound(_ label: String) -> String {
        if knownErrors.contains(label) { return label }
        if label.hasPrefix("in_band_") { return "in_band" }
        if label.hasPrefix("upstream_") { return "upstream_status" }
        return "other"
    }

    public func streamStarted() {
        let value = inFlight.withLock { count -> Int in
            count += 1
            return count
        }
        registry.makeGauge(name: "switchyard_streams_in_flight", help: "Responses being relayed right now.").set(to: Double(value))
    }

    public func streamFinished() {
        let value = inFlight.withLock { count -> Int in
            count -= 1
            return count
        }
        registry.makeGauge(name: "switchyard_streams_in_flight", help: "Responses being relayed right now.").set(to: Double(value))
    }

    /// Adds gauges read at scrape time (e.g. the ledger's queue depth and drops).
    public func addScrapeGauges(_ provider: @escaping @Sendable () -> [(name: String, value: Double)]) {
        extraGauges.withLock { $0.append(provider) }
    }

    /// Prometheus text exposition, with health gauges refreshed from `runtime`.
    public func scrape(runtime: RelayRuntime) -> String {
        let config = runtime.configs.snapshot
        let states = ["healthy", "degraded", "cooling", "recovering", "probing", "disabled"]
        for pool in PoolName.allCases {
            for target in config.upstreams(in: pool) {
                let entry = runtime.health.entry(target.healthKey)
                let current: String
                switch runtime.health.availability(of: target.healthKey) {
                case .available: current = entry.consecutiveFailures > 0 ? "degraded" : "healthy"
                case .probe: current = "recovering"
                case .probeInFlight: current = "probing"
                case .cooling: current = "cooling"
                case .disabled: current = "disabled"
                }
                for state in states {
                    registry.makeGauge(
                        name: "switchyard_upstream_state", labels: [("pool", pool.rawValue), ("upstream", target.name), ("state", state)],
                        help: "1 for the upstream's current health state."
                    ).set(to: state == current ? 1 : 0)
                }
            }
        }
        registry.makeGauge(name: "switchyard_retry_budget_refusals", help: "Retries refused by the global retry budget since start.")
            .set(to: Double(runtime.budget.refusedRetries))
        for provider in extraGauges.withLock({ $0 }) {
            for gauge in provider() { registry.makeGauge(name: gauge.name, help: gauge.name).set(to: gauge.value) }
        }
        return registry.emitToString()
    }
}
