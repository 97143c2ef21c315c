public import Foundation
public import RelayConfig

/// Whether an upstream may serve at a moment: its weekdays and hour windows in the time zone.
///
/// A window belongs to the day it starts on: `22:00-02:00` on Friday covers Friday 22:00 to
/// Saturday 02:00, even if Saturday itself is not an allowed day.
public enum Schedule {
    /// Local Monday-first weekday (0…6) and minute of the day.
    public static func localPosition(of date: Date, in timeZone: TimeZone) -> (weekday: Int, minute: Int) {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let parts = calendar.dateComponents([.weekday, .hour, .minute], from: date)
        let weekday = ((parts.weekday ?? 1) + 5) % 7
        return (weekday, (parts.hour ?? 0) * 60 + (parts.minute ?? 0))
    }

    public static func isOpen(_ target: UpstreamTarget, weekday: Int, minute: Int) -> Bool {
        func dayAllowed(_ day: Int) -> Bool {
            let index = (day + 7) % 7
            return target.weekdays.indices.contains(index) ? target.weekdays[index] : true
        }
        if target.hours.isEmpty { return dayAllowed(weekday) }
        for window in target.hours {
            if window.crossesMidnight {
                if dayAllowed(weekday) && minute >= window.startMinute { return true }
                if dayAllowed(weekday - 1) && minute < window.endMinute { return true }
            } else if dayAllowed(weekday) && minute >= window.startMinute && minute < window.endMinute {
                return true
            }
        }
        return false
    }

    public static func isOpen(_ target: UpstreamTarget, at date: Date, in timeZone: TimeZone) -> Bool {
        let position = localPosition(of: date, in: timeZone)
        return isOpen(target, weekday: position.weekday, minute: position.minute)
    }

    /// The first moment within the next eight days at which any of `targets` is open, or nil.
    /// Minute resolution; a DST change inside the span can shift the answer by that hour.
    public static func nextOpening(of targets: [UpstreamTarget], after date: Date, in timeZone: TimeZone) -> Date? {
        guard !targets.isEmpty else { return nil }
        let start = localPosition(of: date, in: timeZone)
        let secondsIntoMinute = date.timeIntervalSinceReferenceDate.truncatingRemainder(dividingBy: 60)
        for step in 1...(8 * 1440) {
            let total = start.minute + step
            let weekday = (start.weekday + total / 1440) % 7
            let minute = total % 1440
            if targets.contains(where: { isOpen($0, weekday: weekday, minute: minute) }) {
                return date.addingTimeInterval(Double(step) * 60 - secondsIntoMinute)
            }
        }
        return nil
    }
}
