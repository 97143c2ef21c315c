public import Foundation
public import RelayConfig

/// Persisted progress of one upstream's daily activation (定时激活).
public struct ActivationState: Codable, Sendable, Equatable {
    /// Local day (`yyyy-MM-dd`) the counters below belong to.
    public var day: String?
    public var attemptsToday = 0
    public var lastAttemptAt: Date?
    public var lastSuccessDay: String?
    public var lastSuccessAt: Date?
    public var lastError: String?

    public init() {}
}

/// Decides when activations fire: pure, so restarts and time zones are testable.
///
/// At `HH:MM` local time (or at start-up later that day, so a restart never misses the day),
/// once per day on success; after a failure, again every `retryInterval` up to `maxAttempts`
/// that day. Never on a day the upstream is not scheduled. The configured time is never changed.
public enum ActivationPlanner {
    public static let maxAttempts = 20
    public static let retryInterval: Double = 60

    public static func localDay(_ date: Date, in timeZone: TimeZone) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let parts = calendar.dateComponents([.year, .month, .day], from: date)
        func pad(_ value: Int?, _ width: Int) -> String {
            let text = String(value ?? 0)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return "\(pad(parts.year, 4))-\(pad(parts.month, 2))-\(pad(parts.day, 2))"
    }

    /// Today's fire time of `target`, or nil without an enabled activation.
    public static func fireTime(of target: UpstreamTarget, on date: Date, in timeZone: TimeZone) -> Date? {
        guard let activation = target.activation, activation.enabled, target.enabled else { return nil }
        let parts = activation.time.split(separator: ":")
        guard parts.count == 2, let hour = Int(parts[0]), let minute = Int(parts[1]) else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        return calendar.date(bySettingHour: hour, minute: minute, second: 0, of: date)
    }

    /// True when an activation request should be sent now.
    public static func isDue(_ target: UpstreamTarget, state: ActivationState, now: Date, timeZone: TimeZone) -> Bool {
        guard let fire = fireTime(of: target, on: now, in: timeZone), now >= fire else { return false }
        let position = Schedule.localPosition(of: now, in: timeZone)
        guard target.weekdays.indices.contains(position.weekday), target.weekdays[position.weekday] else { return false }
        let today = localDay(now, in: timeZone)
        if state.lastSuccessDay == today { return false }
        let attempts = state.day == today ? state.attemptsToday : 0
        guard attempts < maxAttempts else { return false }
        if state.day == today, let last = state.lastAttemptAt, now.timeIntervalSince(last) < retryInterval { return false }
        return true
    }

    /// The state after starting an attempt (persist it before sending, so a crash cannot fire twice
    /// within the retry interval).
    public static func begin(_ state: ActivationState, now: Date, timeZone: TimeZone) -> ActivationState {
        var next = state
        let today = localDay(now, in: timeZone)
        if next.day != today {
            next.day = today
            next.attemptsToday = 0
        }
        next.attemptsToday += 1
        next.lastAttemptAt = now
        return next
    }

    public static func finish(_ state: ActivationState, success: Bool, error: String?, now: Date, timeZone: TimeZone) -> ActivationState {
        var next = state
        if success {
            next.lastSuccessDay = localDay(now, in: timeZone)
            next.lastSuccessAt = now
            next.lastError = nil
        } else {
            next.lastError = error
        }
        return next
    }

    /// When the next attempt will happen (for the status API), looking up to eight days ahead.
    public static func nextAttempt(_ target: UpstreamTarget, state: ActivationState, now: Date, timeZone: TimeZone) -> Date? {
        guard target.activation?.enabled == true, target.enabled else { return nil }
        if isDue(target, state: state, now: now, timeZone: timeZone) { return now }
        let today = localDay(now, in: timeZone)
        if state.day == today, state.lastSuccessDay != today, state.attemptsToday < maxAttempts, let last = state.lastAttemptAt,
            let fire = fireTime(of: target, on: now, in: timeZone), now >= fire
        {
            return last.addingTimeInterval(retryInterval)
        }
        for offset in 0...8 {
            let day = now.addingTimeInterval(Double(offset) * 86_400)
            guard let fire = fireTime(of: target, on: day, in: timeZone), fire > now else { continue }
            let position = Schedule.localPosition(of: fire, in: timeZone)
            if target.weekdays.indices.contains(position.weekday), target.weekdays[position.weekday] { return fire }
        }
        return nil
    }
}
