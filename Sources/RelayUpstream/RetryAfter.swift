import Foundation

/// Reads how long an upstream asks to wait: `retry-after-ms`, then `retry-after` (seconds or an
/// HTTP date), then `x-ratelimit-reset-requests` style durations are ignored (too vendor-specific).
public enum RetryAfter {
    public static func seconds(from headers: [(name: String, value: String)], now: Date = Date()) -> Double? {
        var plain: String?
        for header in headers {
            let name = header.name.lowercased()
            if name == "retry-after-ms", let value = Double(header.value.trimmingCharacters(in: .whitespaces)), value >= 0 {
                return value / 1000
            }
            if name == "retry-after" { plain = header.value.trimmingCharacters(in: .whitespaces) }
        }
        guard let plain else { return nil }
        if let seconds = Double(plain), seconds >= 0 { return seconds }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        if let date = formatter.date(from: plain) { return max(0, date.timeIntervalSince(now)) }
        return nil
    }
}
