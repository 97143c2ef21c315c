import Dispatch
public import Foundation
public import RelayConfig
import Synchronization

/// Monotonic seconds, injected so cooldown logic is testable without waiting.
public protocol MonotonicClock: Sendable {
    func seconds() -> Double
}

public struct SystemMonotonicClock: MonotonicClock {
    public init() {}
    /// CLOCK_MONOTONIC: never jumps with wall-clock changes.
    public func seconds() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }
}

/// Health of every upstream key: the cooldown state machine (RELIABILITY.md §1.7e).
///
/// - Consecutive failures reaching the threshold start a cooldown; each further cooldown of the
///   same key doubles, up to the cap, with ±10 % jitter. A 429 cools at once, for `Retry-After`
///   when given (capped). 401/403/quota disable the key until an admin re-enables it; disables
///   are persisted and survive restarts.
/// - When a cooldown expires, exactly one request probes the key; success heals it (count and
///   growth reset), failure cools it again one step longer.
/// - A success resets the key that served it, never another.
/// - State is keyed by `UpstreamTarget.healthKey`, so editing the config keeps the health of
///   upstreams the edit did not touch. All arithmetic uses a monotonic clock.
public final class HealthBook: Sendable {
    public struct Entry: Sendable, Equatable {
        public var consecutiveFailures = 0
        public var totalFailures = 0
        public var totalSuccesses = 0
        public var cooldownUntil: Double?
        public var cooldownLevel = 0
        public var cooldownReason: String?
        /// The cooldown follows a rate limit (429), not a transient failure.
        public var rateLimited = false
        public var disabledReason: String?
        public var disabledAt: Date?
        public var lastError: String?
        public var lastErrorAt: Date?
        public var lastFailureMono: Double?
        public var probeInFlight = false
    }

    /// What a request may do with a key right now.
    public enum Availability: Sendable, Equatable {
        case available
        /// The cooldown expired: this request may be the one probe.
        case probe
        case probeInFlight
        case cooling(until: Double)
        case disabled(reason: String)
    }

    struct State {
        var entries: [String: Entry] = [:]
        var overloaded: [String: Double] = [:]
    }

    private let state = Mutex(State())
    public let clock: any MonotonicClock
    private let onDisabledChange: @Sendable ([String: PersistedDisable]) -> Void

    /// A disable as stored on disk.
    public struct PersistedDisable: Codable, Sendable, Equatable {
        public var reason: String
        public var at: Date
        public init(reason: String, at: Date) {
            self.reason = reason
            self.at = at
        }
    }

    public init(
        clock: any MonotonicClock = SystemMonotonicClock(), restoring disabled: [String: PersistedDisable] = [:],
        onDisabledChange: @escaping @Sendable ([String: PersistedDisable]) -> Void = { _ in }
    ) {
        self.clock = clock
        self.onDisabledChange = onDisabledChange
        state.withLock { state in
            for (key, item) in disabled {
                var entry = Entry()
                entry.disabledReason = item.reason
                entry.disabledAt = item.at
                state.entries[key] = entry
            }
        }
    }

    public func entry(_ key: String) -> Entry { state.withLock { $0.entries[key] ?? Entry() } }

    public func availability(of key: String) -> Availability {
        let now = clock.seconds()
        return state.withLock { state in Self.availability(state.entries[key], now: now) }
    }

    static func availability(_ entry: Entry?, now: Double) -> Availability {
        guard let entry else { return .available }
        if let reason = entry.disabledReason { return .disabled(reason: reason) }
        if let until = entry.cooldownUntil {
            if now < until { return .cooling(until: until) }
            return entry.probeInFlight ? .probeInFlight : .probe
        }
        return .available
    }

    /// Claims the single probe of a key whose cooldown expired; false if another request has it.
    public func claimProbe(_ key: String) -> Bool {
        let now = clock.seconds()
        return state.withLock { state in
            guard var entry = state.entries[key], case .probe = Self.availability(entry, now: now) else { return false }
            entry.probeInFlight = true
            state.entries[key] = entry
            return true
        }
    }

    /// Gives a claimed probe back without a verdict (the request was cancelled).
    public func releaseProbe(_ key: String) {
        state.withLock { state in state.entries[key]?.probeInFlight = false }
    }

    public func recordSuccess(_ key: String) {
        state.withLock { state in
            var entry = state.entries[key] ?? Entry()
            entry.consecutiveFailures = 0
            entry.totalSuccesses += 1
            entry.cooldownUntil = nil
            entry.cooldownLevel = 0
            entry.cooldownReason = nil
            entry.probeInFlight = false
            state.entries[key] = entry
        }
    }

    /// Applies a failure's health effect.
    public func recordFailure(
        _ key: String, effect: HealthEffect, label: String, retryAfter: Double?, settings: HealthSettings,
        overloadScope: String? = nil, jitter: Double = Double.random(in: 0.9...1.1)
    ) {
        let now = clock.seconds()
        let wall = Date()
        var disabledChanged = false
        let disabled = state.withLock { state -> [String: PersistedDisable] in
            var entry = state.entries[key] ?? Entry()
            let wasProbe = entry.probeInFlight
            entry.probeInFlight = false
            entry.totalFailures += 1
            entry.lastError = label
            entry.lastErrorAt = wall
            entry.lastFailureMono = now
            switch effect {
            case .none:
                break
            case .countFailure:
                entry.consecutiveFailures += 1
                if wasProbe || entry.consecutiveFailures >= settings.errorThreshold {
                    Self.cool(&entry, now: now, seconds: nil, reason: label, settings: settings, jitter: jitter)
                    entry.rateLimited = false
                }
            case .coolKey:
                entry.rateLimited = true
                entry.consecutiveFailures += 1
                let honoured = retryAfter.map { min($0, settings.retryAfterCapSeconds) }
                Self.cool(&entry, now: now, seconds: honoured, reason: label, settings: settings, jitter: jitter)
            case .coolProviderModel:
                if let scope = overloadScope {
                    let until = now + (retryAfter.map { min($0, settings.retryAfterCapSeconds) } ?? settings.overloadCooldownSeconds * jitter)
                    state.overloaded[scope] = max(state.overloaded[scope] ?? 0, until)
                }
            case .disable(let reason):
                if entry.disabledReason == nil {
                    entry.disabledReason = reason
                    entry.disabledAt = wall
                    disabledChanged = true
                }
            }
            state.entries[key] = entry
            return disabledChanged ? Self.persisted(state) : [:]
        }
        if disabledChanged { onDisabledChange(disabled) }
    }

    static func cool(_ entry: inout Entry, now: Double, seconds: Double?, reason: String, settings: HealthSettings, jitter: Double) {
        entry.cooldownLevel += 1
        let grown = settings.cooldownSeconds * pow(2, Double(entry.cooldownLevel - 1))
        let duration = seconds ?? min(settings.cooldownMaxSeconds, grown) * jitter
        entry.cooldownUntil = now + max(0, duration)
        entry.cooldownReason = reason
    }

    static func persisted(_ state: State) -> [String: PersistedDisable] {
        var result: [String: PersistedDisable] = [:]
        for (key, entry) in state.entries {
            if let reason = entry.disabledReason { result[key] = PersistedDisable(reason: reason, at: entry.disabledAt ?? Date()) }
        }
        return result
    }

    /// True while provider+model `scope` is in an overload cooldown.
    public func isOverloaded(_ scope: String) -> Bool {
        let now = clock.seconds()
        return state.withLock { ($0.overloaded[scope] ?? 0) > now }
    }

    /// Clears cooldowns, counts and disables of one key (admin reset / re-enable).
    public func reset(_ key: String) {
        let (changed, disabled) = state.withLock { state -> (Bool, [String: PersistedDisable]) in
            let wasDisabled = state.entries[key]?.disabledReason != nil
            state.entries[key] = nil
            return (wasDisabled, Self.persisted(state))
        }
        if changed { onDisabledChange(disabled) }
    }

    /// Clears every key; returns how many had a cooldown or disable.
    @discardableResult
    public func resetAll() -> Int {
        let (count, changed) = state.withLock { state -> (Int, Bool) in
            let affected = state.entries.values.filter { $0.cooldownUntil != nil || $0.disabledReason != nil }.count
            let hadDisabled = state.entries.values.contains { $0.disabledReason != nil }
            state.entries.removeAll()
            state.overloaded.removeAll()
            return (affected, hadDisabled)
        }
        if changed { onDisabledChange([:]) }
        return count
    }

    /// Wall-clock time of a monotonic instant, for display.
    public func wallTime(of monotonic: Double) -> Date {
        Date().addingTimeInterval(monotonic - clock.seconds())
    }
}
