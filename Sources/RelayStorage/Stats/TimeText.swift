import Foundation

/// Calendar arithmetic without formatters: exports format millions of timestamps, and day
/// labels must not depend on the process locale.
enum TimeText {
    /// Proleptic Gregorian (year, month, day) of a day count since 1970-01-01
    /// (H. Hinnant's `civil_from_days`).
    static func civil(daysSinceEpoch days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (`days_from_civil`).
    static func daysSinceEpoch(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// `YYYY-MM-DD` for a day count since the epoch.
    static func dayLabel(daysSinceEpoch days: Int64) -> String {
        let date = civil(daysSinceEpoch: days)
        return "\(pad(date.year, 4))-\(pad(date.month, 2))-\(pad(date.day, 2))"
    }

    /// `YYYY-MM-DDTHH:MM:SS.mmmZ`.
    static func iso8601UTC(milliseconds: Int64) -> String {
        let seconds = floorDiv(milliseconds, 1000)
        let millis = milliseconds - seconds * 1000
        return "\(dateTime(localSeconds: seconds, separator: "T")).\(pad(millis, 3))Z"
    }

    /// `YYYY-MM-DD HH:MM:SS` in `timeZone` (the original project's `generated_at` format).
    static func localDateTime(_ date: Date, timeZone: TimeZone) -> String {
        let seconds = Int64(date.timeIntervalSince1970.rounded(.down)) + Int64(timeZone.secondsFromGMT(for: date))
        return dateTime(localSeconds: seconds, separator: " ")
    }

    /// ISO 8601 with an offset, seconds precision (period bounds).
    static func iso8601(_ date: Date, timeZone: TimeZone) -> String {
        let offset = Int64(timeZone.secondsFromGMT(for: date))
        let seconds = Int64(date.timeIntervalSince1970.rounded(.down))
        let sign = offset < 0 ? "-" : "+"
        let magnitude = abs(offset)
        let suffix = offset == 0 ? "Z" : "\(sign)\(pad(magnitude / 3600, 2)):\(pad(magnitude % 3600 / 60, 2))"
        return dateTime(localSeconds: seconds + offset, separator: "T") + suffix
    }

    /// Parses `YYYY-MM-DDTHH:MM:SS[.fff]Z` (what `iso8601UTC` writes).
    static func parseISO8601Milliseconds(_ text: String) -> Int64? {
        let bytes = Array(text.utf8)
        func number(_ range: Range<Int>) -> Int64? {
            guard range.upperBound <= bytes.count else { return nil }
            var value: Int64 = 0
            for index in range {
                let byte = bytes[index]
                guard byte >= 48, byte <= 57 else { return nil }
                value = value * 10 + Int64(byte - 48)
            }
            return value
        }
        guard bytes.count >= 20, bytes[4] == 45, bytes[7] == 45, bytes[10] == 84 || bytes[10] == 32,
            bytes[13] == 58, bytes[16] == 58, bytes.last == 90,
            let year = number(0..<4), let month = number(5..<7), let day = number(8..<10),
            let hour = number(11..<13), let minute = number(14..<16), let second = number(17..<19)
        else { return nil }
        var millis: Int64 = 0
        if bytes[19] == 46 {
            let digits = bytes.count - 1 - 20
            guard digits > 0, let fraction = number(20..<(bytes.count - 1)) else { return nil }
            var scaled = fraction
            var places = digits
            while places < 3 { scaled *= 10; places += 1 }
            while places > 3 { scaled /= 10; places -= 1 }
            millis = scaled
        } else if bytes.count != 20 {
            return nil
        }
        let days = daysSinceEpoch(year: year, month: month, day: day)
        return ((days * 86_400 + hour * 3600 + minute * 60 + second) * 1000) + millis
    }

    static func floorDiv(_ value: Int64, _ divisor: Int64) -> Int64 {
        let quotient = value / divisor
        return (value % divisor != 0 && (value < 0) != (divisor < 0)) ? quotient - 1 : quotient
    }

    private static func dateTime(localSeconds: Int64, separator: String) -> String {
        let days = floorDiv(localSeconds, 86_400)
        let secondOfDay = localSeconds - days * 86_400
        return dayLabel(daysSinceEpoch: days) + separator
            + "\(pad(secondOfDay / 3600, 2)):\(pad(secondOfDay % 3600 / 60, 2)):\(pad(secondOfDay % 60, 2))"
    }

    private static func pad(_ value: Int64, _ width: Int) -> String {
        let text = String(value)
        return text.count >= width ? text : String(repeating: "0", count: width - text.count) + text
    }
}
