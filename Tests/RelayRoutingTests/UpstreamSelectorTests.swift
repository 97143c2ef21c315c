import Foundation
import RelayConfig
import RelayCore
import Testing

@testable import RelayRouting

@Suite struct UpstreamSelectorTests {
    func pool(_ entries: [UpstreamEntry]) throws -> [UpstreamTarget] {
        let file = ConfigFile(clients: [ClientEntry(name: "c", key: "sy-0123456789abcdef0123")], pools: Pools(claude: entries))
        return try ConfigValidator.validate(file).upstreams(in: .claude)
    }

    /// 2026-11-23 was a Monday.
    func date(_ text: String) throws -> Date {
        let formatter = ISO8601DateFormatter()
        return try #require(formatter.date(from: text))
    }

    @Test func weekdayIsMondayFirstInTheConfiguredZone() throws {
        let utc = try #require(TimeZone(identifier: "UTC"))
        let shanghai = try #require(TimeZone(identifier: "Asia/Shanghai"))
        // Sunday 20:00 UTC is already Monday 04:00 in Shanghai.
        let sundayEvening = try date("2026-11-22T20:00:00Z")
        #expect(UpstreamSelector.mondayFirstWeekday(of: sundayEvening, in: utc) == 6)
        #expect(UpstreamSelector.mondayFirstWeekday(of: sundayEvening, in: shanghai) == 0)
    }

    @Test func firstScheduledPrimaryThenBackups() throws {
        let monday = [true, false, false, false, false, false, false]
        let targets = try pool([
            UpstreamEntry(name: "backup", baseURL: "https://b.example", key: "k1", role: .backup),
            UpstreamEntry(name: "off", baseURL: "https://o.example", key: "k2", enabled: false),
            UpstreamEntry(name: "monday-only", baseURL: "https://m.example", key: "k3", weekdays: monday),
            UpstreamEntry(name: "daily", baseURL: "https://d.example", key: "k4"),
        ])
        let utc = try #require(TimeZone(identifier: "UTC"))
        let onMonday = UpstreamSelector.candidates(in: targets, at: try date("2026-11-23T12:00:00Z"), timeZone: utc)
        #expect(onMonday.ordered.map(\.name) == ["monday-only", "daily", "backup"])
        let onTuesday = UpstreamSelector.candidates(in: targets, at: try date("2026-11-24T12:00:00Z"), timeZone: utc)
        #expect(onTuesday.ordered.map(\.name) == ["daily", "backup"])
        #expect(onTuesday.skipped.map(\.reason) == [.disabled, .notScheduledToday])
    }

    @Test func backupServesWhenNoPrimaryIsScheduled() throws {
        let never = Array(repeating: false, count: 7)
        let targets = try pool([
            UpstreamEntry(name: "primary", baseURL: "https://p.example", key: "k1", weekdays: never),
            UpstreamEntry(name: "backup", baseURL: "https://b.example", key: "k2", role: .backup),
        ])
        let list = UpstreamSelector.candidates(in: targets, at: Date(), timeZone: TimeZone.current)
        #expect(list.first?.name == "backup")
    }

    @Test func nothingEligibleGivesAnEmptyList() throws {
        let targets = try pool([UpstreamEntry(name: "off", baseURL: "https://o.example", key: "k", enabled: false)])
        #expect(UpstreamSelector.candidates(in: targets, at: Date(), timeZone: TimeZone.current).first == nil)
    }
}
