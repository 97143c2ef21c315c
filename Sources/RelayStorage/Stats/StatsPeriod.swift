import Foundation

/// Which requests a stats answer or an export covers.
///
/// Days are local days in the time zone passed alongside (the relay's `time_zone`). The
/// rollups have 15-minute resolution, so `range` bounds that are not on a 15-minute boundary
/// are widened to one in stats answers (exports use the exact bounds).
public enum StatsPeriod: Sendable, Hashable {
    /// From local midnight today to local midnight tomorrow.
    case today
    /// The last `n` local days including today (`7d` = today and the six days before).
    case lastDays(Int)
    /// `[from, to)`.
    case range(from: Date, to: Date)
    /// Everything stored.
    case all

    public static let sevenDays = StatsPeriod.lastDays(7)
    public static let thirtyDays = StatsPeriod.lastDays(30)

    /// Parses the stats API's `period` parameter: `today`, `7d`, `30d`, `<n>d` (1…3660), `all`.
    public init?(_ text: String) {
        let lowered = text.lowercased()
        switch lowered {
        case "today", "1d": self = .today
        case "all": self = .all
        default:
            guard lowered.hasSuffix("d"), let days = Int(lowered.dropLast()), (1...3660).contains(days) else { return nil }
            self = days == 1 ? .today : .lastDays(days)
        }
    }

    /// A short name for responses and file names (`today`, `7d`, `range`, `all`).
    public var label: String {
        switch self {
        case .today: "today"
        case .lastDays(let days): "\(days)d"
        case .range: "range"
        case .all: "all"
        }
    }

    /// The concrete bounds at `now` (nil = unbounded).
    public func interval(now: Date, timeZone: TimeZone) -> (from: Date?, to: Date?) {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let startOfToday = calendar.startOfDay(for: now)
        let startOfTomorrow = calendar.date(byAdding: .day, value: 1, to: startOfToday) ?? now
        switch self {
        case .today:
            return (startOfToday, startOfTomorrow)
        case .lastDays(let days):
            let start = calendar.date(byAdding: .day, value: -(max(1, days) - 1), to: startOfToday) ?? startOfToday
            return (start, startOfTomorrow)
        case .range(let from, let to):
            return (from, to)
        case .all:
            return (nil, nil)
        }
    }
}
