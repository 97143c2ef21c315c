public import Foundation
public import RelayConfig

/// Chooses upstreams for a request: pure logic over a config snapshot and an injected time.
///
/// Order: enabled primaries scheduled today, in list order; then enabled backups scheduled
/// today. Entries left out are reported with the reason, so routing can be explained.
public enum UpstreamSelector {
    public static func candidates(in pool: [UpstreamTarget], at date: Date, timeZone: TimeZone) -> CandidateList {
        let weekday = mondayFirstWeekday(of: date, in: timeZone)
        var primaries: [UpstreamTarget] = []
        var backups: [UpstreamTarget] = []
        var skipped: [CandidateList.Skip] = []
        for target in pool {
            if !target.enabled {
                skipped.append(.init(target: target, reason: .disabled))
            } else if target.weekdays.indices.contains(weekday), !target.weekdays[weekday] {
                skipped.append(.init(target: target, reason: .notScheduledToday))
            } else if target.role == .primary {
                primaries.append(target)
            } else {
                backups.append(target)
            }
        }
        return CandidateList(ordered: primaries + backups, skipped: skipped)
    }

    /// 0 = Monday … 6 = Sunday, in `timeZone` (the original's `weekday()` convention).
    public static func mondayFirstWeekday(of date: Date, in timeZone: TimeZone) -> Int {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let sundayFirst = calendar.component(.weekday, from: date)  // 1 = Sunday
        return (sundayFirst + 5) % 7
    }
}

/// Upstreams in the order to try, plus those left out and why.
public struct CandidateList: Sendable {
    public var ordered: [UpstreamTarget]
    public var skipped: [Skip]

    public struct Skip: Sendable {
        public var target: UpstreamTarget
        public var reason: Reason
    }

    public enum Reason: String, Sendable {
        case disabled
        case notScheduledToday = "not_scheduled_today"
    }

    public var first: UpstreamTarget? { ordered.first }
}

/// Wall-clock source, injected so schedules are testable.
public protocol WallClock: Sendable {
    func now() -> Date
}

public struct SystemWallClock: WallClock {
    public init() {}
    public func now() -> Date { Date() }
}
