import Foundation
public import Hummingbird
import RelayConfig
import RelayCore
import RelayRouting
import RelayStorage

/// Read-only health and routing status, and the cooldown resets (the original's
/// `/api/reset-api-cooldown` and `/api/reset-codex-cooldown` included).
///
/// These routes carry no secrets (keys appear masked). They sit behind `AdminAuthMiddleware`
/// like every admin route (admin token or login session; Host and Origin checks).
public struct StatusAPI: Sendable {
    let runtime: RelayRuntime
    let activation: ActivationService?

    public init(runtime: RelayRuntime, activation: ActivationService?) {
        self.runtime = runtime
        self.activation = activation
    }

    public func register(on router: Router<RelayRequestContext>) {
        router.get("/api/status") { _, _ in try self.json(self.status()) }
        router.post("/api/reset-api-cooldown") { request, context in try await self.reset(request, context: context, pool: .claude) }
        router.post("/api/reset-codex-cooldown") { request, context in try await self.reset(request, context: context, pool: .codex) }
        router.post("/api/reset-openai-cooldown") { request, context in try await self.reset(request, context: context, pool: .openai) }
        router.post("/api/health/reset") { request, context in try await self.resetAny(request, context: context) }
    }

    struct UpstreamStatus: Encodable {
        var name: String
        var role: String
        var format: String
        var key: String
        var enabled: Bool
        var scheduledNow: Bool
        var state: String
        var coolingUntil: Date?
        var cooldownReason: String?
        var disabledReason: String?
        var consecutiveFailures: Int
        var failures: Int
        var successes: Int
        var lastError: String?
        var lastErrorAt: Date?
        var activation: ActivationStatus?

        enum CodingKeys: String, CodingKey {
            case name, role, format, key, enabled, scheduledNow = "scheduled_now", state, coolingUntil = "cooling_until"
            case cooldownReason = "cooldown_reason", disabledReason = "disabled_reason", consecutiveFailures = "consecutive_failures"
            case failures, successes, lastError = "last_error", lastErrorAt = "last_error_at", activation
        }
    }

    struct ActivationStatus: Encodable {
        var time: String
        var nextAttempt: Date?
        var lastSuccessAt: Date?
        var attemptsToday: Int
        var lastError: String?

        enum CodingKeys: String, CodingKey {
            case time, nextAttempt = "next_attempt", lastSuccessAt = "last_success_at", attemptsToday = "attempts_today", lastError = "last_error"
        }
    }

    struct PoolStatus: Encodable {
        var usingBackup: Bool
        var upstreams: [UpstreamStatus]
        enum CodingKeys: String, CodingKey { case usingBackup = "using_backup", upstreams }
    }

    struct Status: Encodable {
        var generatedAt: Date
        var timeZone: String
        var pools: [String: PoolStatus]
        var retryNodes: [UpstreamStatus]
        var retryBudgetRefusals: Int
        var ledger: UsageLedger.Status?
        var recentRequests: [RecentRequests.Item]

        enum CodingKeys: String, CodingKey {
            case generatedAt = "generated_at", timeZone = "time_zone", pools, retryNodes = "retry_nodes"
            case retryBudgetRefusals = "retry_budget_refusals", ledger, recentRequests = "recent_requests"
        }
    }

    func status() -> Status {
        let config = runtime.configs.snapshot
        let now = runtime.wallClock.now()
        func describe(_ target: UpstreamTarget) -> UpstreamStatus {
            let entry = runtime.health.entry(target.healthKey)
            let availability = runtime.health.availability(of: target.healthKey)
            var state = "healthy"
            var coolingUntil: Date?
            switch availability {
            case .available: state = entry.consecutiveFailures > 0 ? "degraded" : "healthy"
            case .probe: state = "recovering"
            case .probeInFlight: state = "probing"
            case .cooling(let until):
                state = "cooling"
                coolingUntil = runtime.health.wallTime(of: until)
            case .disabled: state = "disabled"
            }
            var activationStatus: ActivationStatus?
            if let activation = target.activation, activation.enabled {
                let progress = self.activation?.state(for: target) ?? ActivationState()
                activationStatus = ActivationStatus(
                    time: activation.time, nextAttempt: ActivationPlanner.nextAttempt(target, state: progress, now: now, timeZone: config.timeZone),
                    lastSuccessAt: progress.lastSuccessAt, attemptsToday: progress.day == ActivationPlanner.localDay(now, in: config.timeZone) ? progress.attemptsToday : 0,
                    lastError: progress.lastError)
            }
            return UpstreamStatus(
                name: target.name, role: target.role.rawValue, format: target.format.rawValue, key: SecretMask.mask(target.key),
                enabled: target.enabled, scheduledNow: Schedule.isOpen(target, at: now, in: config.timeZone), state: state,
                coolingUntil: coolingUntil, cooldownReason: coolingUntil == nil ? nil : entry.cooldownReason, disabledReason: entry.disabledReason,
                consecutiveFailures: entry.consecutiveFailures, failures: entry.totalFailures, successes: entry.totalSuccesses,
                lastError: entry.lastError, lastErrorAt: entry.lastErrorAt, activation: activationStatus)
        }
        var pools: [String: PoolStatus] = [:]
        for pool in PoolName.allCases {
            pools[pool.rawValue] = PoolStatus(usingBackup: runtime.poolState(pool).usingBackup, upstreams: config.upstreams(in: pool).map(describe))
        }
        return Status(
            generatedAt: now, timeZone: config.timeZone.identifier, pools: pools, retryNodes: config.retryNodes.map(describe),
            retryBudgetRefusals: runtime.budget.refusedRetries, ledger: runtime.ledger?.status, recentRequests: runtime.recent.all)
    }

    struct ResetBody: Decodable {
        var index: Int?
        var name: String?
        var pool: String?
    }

    /// The optional reset body, checked against the published schema (a malformed body is
    /// refused rather than read as "reset everything").
    static func resetBody(_ request: Request) async throws(AdminFailure) -> ResetBody? {
        guard let json = try await AdminJSON.body(request, limit: 16 << 10) else { return nil }
        try AdminSchemas.check(json, "Reset")
        return ResetBody(index: json["index"]?.intValue, name: json["name"]?.stringValue, pool: json["pool"]?.stringValue)
    }

    func reset(_ request: Request, context: RelayRequestContext, pool: PoolName) async throws -> Response {
        let body: ResetBody?
        do {
            body = try await Self.resetBody(request)
        } catch {
            return error.response
        }
        return try reset(body, pool: pool)
    }

    func reset(_ body: ResetBody?, pool: PoolName) throws -> Response {
        let targets = runtime.configs.snapshot.upstreams(in: pool)
        if let index = body?.index {
            guard targets.indices.contains(index) else {
                return Self.notFound("no upstream at index \(index) in the \(pool.rawValue) pool")
            }
            runtime.health.reset(targets[index].healthKey)
            return try json(["success": true, "message": "reset \(targets[index].name)"] as [String: JSONValueish])
        }
        if let name = body?.name {
            guard let target = targets.first(where: { $0.name == name }) else {
                return Self.notFound("no upstream named \(name) in the \(pool.rawValue) pool")
            }
            runtime.health.reset(target.healthKey)
            return try json(["success": true, "message": "reset \(name)"] as [String: JSONValueish])
        }
        var count = 0
        for target in targets {
            let entry = runtime.health.entry(target.healthKey)
            if entry.cooldownUntil != nil || entry.disabledReason != nil || entry.consecutiveFailures > 0 { count += 1 }
            runtime.health.reset(target.healthKey)
        }
        return try json(["success": true, "message": "reset \(count) upstream(s) in the \(pool.rawValue) pool", "reset": .int(count)] as [String: JSONValueish])
    }

    /// `{"success": false, "message": …}` (the original's shape) with the admin API's `error` object.
    static func notFound(_ message: String) -> Response {
        var failure = AdminFailure.notFound(message)
        failure.extra = [("success", false), ("message", .string(message))]
        return failure.response
    }

    func resetAny(_ request: Request, context: RelayRequestContext) async throws -> Response {
        let body: ResetBody?
        do {
            body = try await Self.resetBody(request)
        } catch {
            return error.response
        }
        if let poolName = body?.pool {
            guard let pool = PoolName(rawValue: poolName) else {
                return try json(["success": false, "message": "unknown pool \(poolName)"] as [String: JSONValueish], status: .badRequest)
            }
            return try reset(ResetBody(index: body?.index, name: body?.name, pool: nil), pool: pool)
        }
        let count = runtime.health.resetAll()
        return try json(["success": true, "message": "reset every upstream", "reset": .int(count)] as [String: JSONValueish])
    }

    func json<T: Encodable>(_ value: T, status: HTTPResponse.Status = .ok) throws -> Response {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        let data = try encoder.encode(value)
        return Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}

/// A tiny encodable value for ad-hoc JSON answers.
enum JSONValueish: Encodable, ExpressibleByStringLiteral, ExpressibleByBooleanLiteral, ExpressibleByStringInterpolation {
    case string(String)
    case bool(Bool)
    case int(Int)

    init(stringLiteral value: String) { self = .string(value) }
    init(booleanLiteral value: Bool) { self = .bool(value) }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .string(let value): try container.encode(value)
        case .bool(let value): try container.encode(value)
        case .int(let value): try container.encode(value)
        }
    }
}
