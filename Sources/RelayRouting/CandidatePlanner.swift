public import Foundation
public import RelayConfig
import Synchronization

/// Orders the upstreams of a pool for one request and explains every one it leaves out.
///
/// Eligible: enabled, in schedule (weekday and hour windows), not disabled, not cooling, not
/// being probed by another request. Primaries come first, then backups; within each, config
/// order. A provider+model in an overload cooldown moves to the end (prefer another provider).
/// If every scheduled candidate is cooling for transient reasons, the least recently failed one
/// is kept so a pool never ejects itself completely (disabled keys stay out).
public enum CandidatePlanner {
    public struct Plan: Sendable {
        public var ordered: [UpstreamTarget]
        public var skipped: [Skip]
        /// When nothing is in schedule: the next moment something opens.
        public var nextOpening: Date?
        /// Earliest end of a cooldown among skipped candidates (for `Retry-After`).
        public var earliestCooldownEnd: Double?
        /// Targets whose probe this plan claimed (release if unused).
        public var claimedProbes: Set<String>
        /// Keys resting after transient errors, least recently failed first: tried only when every
        /// eligible candidate of this request has failed, so random failures on several keys do not
        /// turn into client errors while cooldowns overlap. Disabled keys are never here.
        public var lastResort: [UpstreamTarget] = []
    }

    public struct Skip: Sendable, Equatable {
        public var name: String
        public var reason: String
    }

    /// - Parameters:
    ///   - model: requested model, for the provider+model overload scope.
    ///   - poolState: backup-mode memory of the pool (primary re-check interval).
    public static func plan(
        pool: [UpstreamTarget], at date: Date, timeZone: TimeZone, model: String?, health: HealthBook, poolState: PoolState,
        settings: HealthSettings
    ) -> Plan {
        let position = Schedule.localPosition(of: date, in: timeZone)
        let now = health.clock.seconds()
        var primaries: [UpstreamTarget] = []
        var backups: [UpstreamTarget] = []
        var skipped: [Skip] = []
        var scheduled: [UpstreamTarget] = []
        var cooling: [(UpstreamTarget, Double)] = []
        var earliest: Double?
        var claimed: Set<String> = []
        let recheckDue = poolState.primaryRecheckDue(now: now, interval: settings.primaryCheckInterval)

        for target in pool {
            guard target.enabled else {
                skipped.append(Skip(name: target.name, reason: "disabled in config"))
                continue
            }
            guard Schedule.isOpen(target, weekday: position.weekday, minute: position.minute) else {
                skipped.append(Skip(name: target.name, reason: target.hours.isEmpty ? "not scheduled today" : "outside its hours"))
                continue
            }
            scheduled.append(target)
            switch health.availability(of: target.healthKey) {
            case .available:
                break
            case .disabled(let reason):
                skipped.append(Skip(name: target.name, reason: "disabled: \(reason)"))
                continue
            case .cooling(let until):
                skipped.append(Skip(name: target.name, reason: "cooling for \(Int((until - now).rounded(.up)))s"))
                cooling.append((target, health.entry(target.healthKey).lastFailureMono ?? 0))
                earliest = min(earliest ?? until, until)
                continue
            case .probeInFlight:
                skipped.append(Skip(name: target.name, reason: "recovering: another request is probing it"))
                continue
            case .probe:
                if target.role == .primary, poolState.usingBackup, !recheckDue {
                    skipped.append(Skip(name: target.name, reason: "recovered primary waits for the next re-check"))
                    continue
                }
                guard health.claimProbe(target.healthKey) else {
                    skipped.append(Skip(name: target.name, reason: "recovering: another request is probing it"))
                    continue
                }
                claimed.insert(target.healthKey)
                if target.role == .primary { poolState.notePrimaryRecheck(now: now) }
            }
            if target.role == .primary { primaries.append(target) } else { backups.append(target) }
        }

        var ordered = primaries + backups
        if let model {
            let healthy = ordered.filter { !health.isOverloaded(overloadScope(target: $0, model: model)) }
            let overloaded = ordered.filter { health.isOverloaded(overloadScope(target: $0, model: model)) }
            ordered = healthy + overloaded
        }
        let byAge = cooling.sorted { $0.1 < $1.1 }.map(\.0)
        if ordered.isEmpty, let keep = byAge.first {
            ordered = [keep]
            skipped.removeAll { $0.name == keep.name }
        }
        // Rate-limited keys are not a last resort: their upstream asked us to wait.
        let lastResort = byAge.filter { target in
            !ordered.contains { $0.healthKey == target.healthKey } && !health.entry(target.healthKey).rateLimited
        }
        let nextOpening = scheduled.isEmpty ? Schedule.nextOpening(of: pool.filter(\.enabled), after: date, in: timeZone) : nil
        return Plan(
            ordered: ordered, skipped: skipped, nextOpening: nextOpening, earliestCooldownEnd: earliest, claimedProbes: claimed,
            lastResort: lastResort)
    }

    /// Provider+model scope for overload cooldowns: the upstream's origin and the model.
    public static func overloadScope(target: UpstreamTarget, model: String?) -> String {
        target.baseURL.origin + "|" + (model ?? "*")
    }
}

/// Per-pool memory: whether traffic is on a backup, and when primaries were last re-checked.
public final class PoolState: Sendable {
    private struct State {
        var usingBackup = false
        var lastPrimaryCheck: Double = -.infinity
    }

    private let state = Mutex(State())

    public init() {}

    public var usingBackup: Bool { state.withLock { $0.usingBackup } }

    func primaryRecheckDue(now: Double, interval: Double) -> Bool {
        state.withLock { now - $0.lastPrimaryCheck >= interval }
    }

    func notePrimaryRecheck(now: Double) {
        state.withLock { $0.lastPrimaryCheck = now }
    }

    /// Records which role served a request.
    public func served(by role: UpstreamRole, now: Double) {
        state.withLock { state in
            if role == .backup, !state.usingBackup {
                state.usingBackup = true
                state.lastPrimaryCheck = now
            } else if role == .primary {
                state.usingBackup = false
            }
        }
    }
}
