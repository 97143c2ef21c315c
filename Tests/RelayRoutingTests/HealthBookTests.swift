import Foundation
import RelayConfig
import Synchronization
import Testing

@testable import RelayRouting

@Suite struct HealthBookTests {
    let settings = HealthSettings(errorThreshold: 3, cooldownSeconds: 2, cooldownMaxSeconds: 16, retryAfterCapSeconds: 60, overloadCooldownSeconds: 5)

    @Test func thresholdThenGrowingCooldownWithCapAndProbe() {
        let clock = ManualClock()
        let book = HealthBook(clock: clock)
        let key = "k1"
        for _ in 0..<2 { book.recordFailure(key, effect: .countFailure, label: "status_500", retryAfter: nil, settings: settings, jitter: 1) }
        #expect(book.availability(of: key) == .available, "below the threshold")
        book.recordFailure(key, effect: .countFailure, label: "status_500", retryAfter: nil, settings: settings, jitter: 1)
        #expect(book.availability(of: key) == .cooling(until: 1002))
        clock.advance(2)
        #expect(book.availability(of: key) == .probe)
        #expect(book.claimProbe(key))
        #expect(!book.claimProbe(key), "exactly one probe")
        #expect(book.availability(of: key) == .probeInFlight)
        // The probe fails: the next cooldown is one step longer (4 s), then 8, then capped at 16.
        book.recordFailure(key, effect: .countFailure, label: "status_500", retryAfter: nil, settings: settings, jitter: 1)
        #expect(book.availability(of: key) == .cooling(until: 1006))
        var expected = [8.0, 16, 16]
        while !expected.isEmpty {
            clock.advance(100)
            #expect(book.claimProbe(key))
            book.recordFailure(key, effect: .countFailure, label: "status_500", retryAfter: nil, settings: settings, jitter: 1)
            let duration = expected.removeFirst()
            #expect(book.availability(of: key) == .cooling(until: clock.seconds() + duration))
        }
        // A successful probe heals completely.
        clock.advance(100)
        #expect(book.claimProbe(key))
        book.recordSuccess(key)
        #expect(book.availability(of: key) == .available)
        #expect(book.entry(key).cooldownLevel == 0)
        book.recordFailure(key, effect: .countFailure, label: "status_500", retryAfter: nil, settings: settings, jitter: 1)
        #expect(book.availability(of: key) == .available, "the count restarted at zero")
    }

    @Test func retryAfterIsHonouredAndCapped() {
        let clock = ManualClock()
        let book = HealthBook(clock: clock)
        book.recordFailure("a", effect: .coolKey, label: "status_429", retryAfter: 7, settings: settings, jitter: 1)
        #expect(book.availability(of: "a") == .cooling(until: 1007))
        book.recordFailure("b", effect: .coolKey, label: "status_429", retryAfter: 86_400, settings: settings, jitter: 1)
        #expect(book.availability(of: "b") == .cooling(until: 1060))
        book.recordFailure("c", effect: .coolKey, label: "status_429", retryAfter: nil, settings: settings, jitter: 1)
        #expect(book.availability(of: "c") == .cooling(until: 1002))
        #expect(book.availability(of: "d") == .available, "only the key that failed")
    }

    @Test func successResetsOnlyTheKeyThatServed() {
        let book = HealthBook(clock: ManualClock())
        book.recordFailure("a", effect: .countFailure, label: "x", retryAfter: nil, settings: settings, jitter: 1)
        book.recordFailure("b", effect: .countFailure, label: "x", retryAfter: nil, settings: settings, jitter: 1)
        book.recordSuccess("b")
        #expect(book.entry("a").consecutiveFailures == 1)
        #expect(book.entry("b").consecutiveFailures == 0)
    }

    @Test func disablesPersistAndSurviveRestart() {
        let saved = Mutex<[String: HealthBook.PersistedDisable]>([:])
        let book = HealthBook(clock: ManualClock()) { disabled in saved.withLock { $0 = disabled } }
        book.recordFailure("k", effect: .disable(reason: "rejected the key (401)"), label: "status_401", retryAfter: nil, settings: settings)
        #expect(book.availability(of: "k") == .disabled(reason: "rejected the key (401)"))
        let persisted = saved.withLock { $0 }
        #expect(persisted["k"]?.reason == "rejected the key (401)")
        let restarted = HealthBook(clock: ManualClock(), restoring: persisted)
        #expect(restarted.availability(of: "k") == .disabled(reason: "rejected the key (401)"))
        book.reset("k")
        #expect(book.availability(of: "k") == .available)
        #expect(saved.withLock { $0 }.isEmpty)
    }

    @Test func overloadCoolsProviderAndModelNotTheKey() {
        let clock = ManualClock()
        let book = HealthBook(clock: clock)
        book.recordFailure("k", effect: .coolProviderModel, label: "status_529", retryAfter: nil, settings: settings, overloadScope: "https://a|m", jitter: 1)
        #expect(book.availability(of: "k") == .available)
        #expect(book.isOverloaded("https://a|m"))
        #expect(!book.isOverloaded("https://a|other"))
        clock.advance(5)
        #expect(!book.isOverloaded("https://a|m"))
    }
}
