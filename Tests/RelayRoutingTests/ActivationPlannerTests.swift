import Foundation
import RelayConfig
import Testing

@testable import RelayRouting

@Suite struct ActivationPlannerTests {
    func target(time: String = "08:00", weekdays: [Bool] = Array(repeating: true, count: 7)) throws -> UpstreamTarget {
        try #require(try targets([UpstreamEntry(name: "a", baseURL: "https://a.example", key: "k", weekdays: weekdays, activation: Activation(enabled: true, time: time))]).pool.first)
    }

    @Test func firesAtTheLocalTimeOncePerDay() throws {
        let shanghai = try #require(TimeZone(identifier: "Asia/Shanghai"))
        let upstream = try target()
        // 08:00 Shanghai = 00:00 UTC.
        #expect(!ActivationPlanner.isDue(upstream, state: .init(), now: isoDate("2026-11-26T23:59:00Z"), timeZone: shanghai))
        let at = isoDate("2026-11-27T00:00:30Z")
        #expect(ActivationPlanner.isDue(upstream, state: .init(), now: at, timeZone: shanghai))
        var state = ActivationPlanner.begin(.init(), now: at, timeZone: shanghai)
        state = ActivationPlanner.finish(state, success: true, error: nil, now: at, timeZone: shanghai)
        #expect(!ActivationPlanner.isDue(upstream, state: state, now: isoDate("2026-11-27T10:00:00Z"), timeZone: shanghai))
        #expect(ActivationPlanner.isDue(upstream, state: state, now: isoDate("2026-11-28T00:00:00Z"), timeZone: shanghai), "next day")
        #expect(upstream.activation?.time == "08:00", "the configured time is never rewritten")
    }

    @Test func failureRetriesEveryMinuteUpToTwentyTimes() throws {
        let upstream = try target()
        var now = isoDate("2026-11-27T08:00:00Z")
        var state = ActivationState()
        var fired = 0
        for _ in 0..<(24 * 60) {
            if ActivationPlanner.isDue(upstream, state: state, now: now, timeZone: utc()) {
                fired += 1
                state = ActivationPlanner.begin(state, now: now, timeZone: utc())
                state = ActivationPlanner.finish(state, success: false, error: "status_500", now: now, timeZone: utc())
            }
            now = now.addingTimeInterval(30)
        }
        #expect(fired == 20)
        #expect(state.lastError == "status_500")
    }

    @Test func restartNeitherFiresTwiceNorMissesTheDay() throws {
        let upstream = try target()
        let started = isoDate("2026-11-27T08:00:10Z")
        // Persisted before sending; the process died before the answer.
        let persisted = ActivationPlanner.begin(.init(), now: started, timeZone: utc())
        #expect(!ActivationPlanner.isDue(upstream, state: persisted, now: started.addingTimeInterval(20), timeZone: utc()), "no double fire on restart")
        #expect(ActivationPlanner.isDue(upstream, state: persisted, now: started.addingTimeInterval(61), timeZone: utc()), "retried after the interval")
        // Down at 08:00, restarted at 15:00 the same day: fires then.
        #expect(ActivationPlanner.isDue(upstream, state: .init(), now: isoDate("2026-11-27T15:00:00Z"), timeZone: utc()))
    }

    @Test func respectsTheUpstreamsWeekdays() throws {
        var noFriday = Array(repeating: true, count: 7)
        noFriday[4] = false
        let upstream = try target(weekdays: noFriday)
        #expect(!ActivationPlanner.isDue(upstream, state: .init(), now: isoDate("2026-11-27T09:00:00Z"), timeZone: utc()))
        #expect(ActivationPlanner.nextAttempt(upstream, state: .init(), now: isoDate("2026-11-27T09:00:00Z"), timeZone: utc()) == isoDate("2026-11-28T08:00:00Z"))
    }
}
