import Foundation
import RelayConfig
import Testing

@testable import RelayRouting

@Suite struct ScheduleTests {
    // 2026-11-27 is a Friday; 2026-11-28 a Saturday.
    @Test func windowCrossingMidnightBelongsToTheDayItStarts() throws {
        var friday = Array(repeating: false, count: 7)
        friday[4] = true
        let target = try #require(try targets([UpstreamEntry(name: "night", baseURL: "https://n.example", key: "k", weekdays: friday, hours: ["22:00-02:00"])]).pool.first)
        #expect(Schedule.isOpen(target, at: isoDate("2026-11-27T23:30:00Z"), in: utc()))
        #expect(Schedule.isOpen(target, at: isoDate("2026-11-28T01:59:00Z"), in: utc()), "Saturday 01:59 is still Friday's window")
        #expect(!Schedule.isOpen(target, at: isoDate("2026-11-28T02:00:00Z"), in: utc()))
        #expect(!Schedule.isOpen(target, at: isoDate("2026-11-27T21:59:00Z"), in: utc()))
        #expect(!Schedule.isOpen(target, at: isoDate("2026-11-27T01:00:00Z"), in: utc()), "Friday 01:00 would be Thursday's window")
    }

    @Test func timeZoneDecidesTheDayAndHour() throws {
        let target = try #require(try targets([UpstreamEntry(name: "office", baseURL: "https://o.example", key: "k", hours: ["09:00-18:00"])]).pool.first)
        let shanghai = try #require(TimeZone(identifier: "Asia/Shanghai"))
        // 02:00 UTC is 10:00 in Shanghai.
        #expect(Schedule.isOpen(target, at: isoDate("2026-11-27T02:00:00Z"), in: shanghai))
        #expect(!Schedule.isOpen(target, at: isoDate("2026-11-27T02:00:00Z"), in: utc()))
    }

    @Test func nextOpeningFindsTheWindowStart() throws {
        let target = try #require(try targets([UpstreamEntry(name: "office", baseURL: "https://o.example", key: "k", hours: ["09:00-18:00"])]).pool.first)
        let next = try #require(Schedule.nextOpening(of: [target], after: isoDate("2026-11-27T20:30:00Z"), in: utc()))
        #expect(next == isoDate("2026-11-28T09:00:00Z"))
    }

    @Test func invalidWindowsAreConfigErrors() {
        #expect(throws: ConfigError.self) { try targets([UpstreamEntry(name: "x", baseURL: "https://x", key: "k", hours: ["9-18"])]) }
        #expect(throws: ConfigError.self) { try targets([UpstreamEntry(name: "x", baseURL: "https://x", key: "k", hours: ["10:00-10:00"])]) }
    }
}
