import AsyncHTTPClient
public import Foundation
import Logging
import NIOCore
import NIOHTTP1
public import RelayConfig
import RelayCore
public import RelayRouting
import RelayUpstream
public import ServiceLifecycle
import Synchronization

/// Sends the daily activation requests (定时激活) that start a key's billing window at a chosen
/// time. Decisions come from `ActivationPlanner`; progress is persisted in the data dir
/// (`activation.json`) before each request is sent, so a restart neither fires twice nor
/// misses the day.
public final class ActivationService: Service, Sendable {
    let runtime: RelayRuntime
    let tick: Duration
    private let states: Mutex<[String: ActivationState]>
    private let stateFile: URL?

    public init(runtime: RelayRuntime, tick: Duration = .seconds(15)) {
        self.runtime = runtime
        self.tick = tick
        self.stateFile = runtime.dataDirectory?.appendingPathComponent("activation.json")
        let restored = stateFile.flatMap { try? JSONDecoder.iso.decode([String: ActivationState].self, from: Data(contentsOf: $0)) } ?? [:]
        self.states = Mutex(restored)
    }

    static func id(_ target: UpstreamTarget) -> String { "\(target.isRetryNode ? "retry" : target.pool.rawValue)|\(target.name)" }

    public func state(for target: UpstreamTarget) -> ActivationState { states.withLock { $0[Self.id(target)] ?? ActivationState() } }

    public func run() async throws {
        // Shutdown cancels the sleep; that is a normal end, not an error (exit status 0).
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                await self.runDue()
                try await Task.sleep(for: self.tick)
            }
        }
    }

    /// Sends every activation that is due now, one after another.
    public func runDue() async {
        let config = runtime.configs.snapshot
        let now = runtime.wallClock.now()
        for pool in PoolName.allCases {
            for target in config.upstreams(in: pool) where ActivationPlanner.isDue(target, state: state(for: target), now: now, timeZone: config.timeZone) {
                await activate(target, pool: pool, config: config)
            }
        }
    }

    func activate(_ target: UpstreamTarget, pool: PoolName, config: RuntimeConfig) async {
        let now = runtime.wallClock.now()
        let started = ContinuousClock.now
        update(target) { ActivationPlanner.begin($0, now: now, timeZone: config.timeZone) }
        let call = Self.call(for: target)
        var record = RequestRecord(
            requestID: "sy_activation_\(UInt32.random(in: 0...UInt32.max))", startedAt: now, client: "switchyard-activation",
            inbound: target.format, route: "activation", pool: pool.rawValue, upstream: target.name, attempts: 1)
        var logger = runtime.logger
        logger[metadataKey: "relay.upstream"] = "\(target.name)"
        var failure: String?
        do {
            let response = try await call.send(using: runtime.clients, timeouts: config.timeouts(for: pool), logger: logger)
            record.status = Int(response.status.code)
            var observer = UsageObserver(format: target.format, streaming: false)
            for try await chunk in response.body { chunk.withUnsafeReadableBytes { observer.consume($0) } }
            observer.finish()
            record.usage = observer.observed.usage
            record.servedModel = observer.observed.servedModel
            if !(200..<300).contains(record.status) { failure = "status_\(record.status)" }
        } catch {
            failure = UpstreamError.classify(error, afterHead: false).metricLabel
            record.status = 502
        }
        record.errorLabel = failure
        record.durationSeconds = Double((ContinuousClock.now - started).components.seconds)
        runtime.sink.record(record)
        update(target) { ActivationPlanner.finish($0, success: failure == nil, error: failure, now: self.runtime.wallClock.now(), timeZone: config.timeZone) }
        if let failure {
            logger.warning("activation failed; will retry", metadata: ["error": "\(failure)"])
        } else {
            logger.info("activation sent: billing window started", metadata: ["time": "\(target.activation?.time ?? "")"])
        }
    }

    private func update(_ target: UpstreamTarget, _ change: (ActivationState) -> ActivationState) {
        let snapshot = states.withLock { states -> [String: ActivationState] in
            states[Self.id(target)] = change(states[Self.id(target)] ?? ActivationState())
            return states
        }
        guard let stateFile else { return }
        do {
            try ConfigStore.writeFileAtomically(JSONEncoder.iso.encode(snapshot), to: stateFile)
        } catch {
            runtime.logger.error("cannot persist activation state", metadata: ["error": "\(error)"])
        }
    }

    /// The minimal request: one output token on Messages, a tiny Responses call.
    static func call(for target: UpstreamTarget) -> UpstreamCall {
        let prompt = JSONValue.string(target.activation?.prompt ?? "hi")
        switch target.format {
        case .anthropic:
            let body: JSONValue = [
                "model": .string(target.activation?.model ?? "claude-haiku-4-5"), "max_tokens": 1,
                "messages": [["role": "user", "content": prompt]],
            ]
            return UpstreamCall(
                target: target, method: "POST", apiPath: "/v1/messages", query: nil,
                headers: [("anthropic-version", "2023-06-01"), ("content-type", "application/json")],
                body: ByteBuffer(string: body.serialized()), streaming: false)
        case .openAIResponses, .openAIChat:
            let body: JSONValue = [
                "model": .string(target.activation?.model ?? "gpt-5.1-codex-mini"), "input": prompt, "max_output_tokens": 16,
                "store": false,
            ]
            return UpstreamCall(
                target: target, method: "POST", apiPath: "/responses", query: nil, headers: [("content-type", "application/json")],
                body: ByteBuffer(string: body.serialized()), streaming: false)
        }
    }
}
