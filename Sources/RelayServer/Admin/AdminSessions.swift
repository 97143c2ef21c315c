import Synchronization

/// UI login sessions, in memory (a restart logs everyone out).
///
/// The cookie carries a random 256-bit id; only its SHA-256 is kept here, so a heap dump does
/// not yield usable cookies. A session ends at its absolute lifetime, after its idle time, on
/// logout, or when the token it was opened with stops being accepted (rotation).
final class AdminSessions: Sendable {
    struct Session {
        var created: ContinuousClock.Instant
        var lastSeen: ContinuousClock.Instant
        /// The accepted token hash used at login.
        var credential: [UInt8]
    }

    private let sessions = Mutex<[String: Session]>([:])
    let capacity: Int

    init(capacity: Int = 1000) {
        self.capacity = capacity
    }

    /// Opens a session and returns the cookie value.
    func open(credential: [UInt8], now: ContinuousClock.Instant = .now) -> String {
        let id = RandomToken.base62(43)
        let key = SHA256.hex(id)
        sessions.withLock { sessions in
            if sessions.count >= capacity, let oldest = sessions.min(by: { $0.value.lastSeen < $1.value.lastSeen })?.key {
                sessions.removeValue(forKey: oldest)
            }
            sessions[key] = Session(created: now, lastSeen: now, credential: credential)
        }
        return id
    }

    /// True when `id` names a live session whose credential is still accepted; refreshes its idle timer.
    func validate(
        _ id: String, accepted: [[UInt8]], lifetime: Duration, idle: Duration, now: ContinuousClock.Instant = .now
    ) -> Bool {
        guard !id.isEmpty, id.utf8.count <= 128 else { return false }
        let key = SHA256.hex(id)
        return sessions.withLock { sessions in
            guard var session = sessions[key] else { return false }
            let stillAccepted = accepted.contains { ConstantTime.equals($0, session.credential) }
            guard stillAccepted, now - session.created < lifetime, now - session.lastSeen < idle else {
                sessions.removeValue(forKey: key)
                return false
            }
            session.lastSeen = now
            sessions[key] = session
            return true
        }
    }

    func close(_ id: String) {
        let key = SHA256.hex(id)
        _ = sessions.withLock { $0.removeValue(forKey: key) }
    }

    var count: Int { sessions.withLock { $0.count } }
}

/// Login attempts per peer address: at most `limit` in any `window`; beyond that, 429 with
/// `Retry-After` until the oldest attempt leaves the window. The peer is the TCP peer only
/// (forwarding headers are not trusted).
final class LoginThrottle: Sendable {
    private let attempts = Mutex<[String: [ContinuousClock.Instant]]>([:])
    let limit: Int
    let window: Duration

    init(limit: Int = 5, window: Duration = .seconds(60)) {
        self.limit = limit
        self.window = window
    }

    /// Records an attempt; nil when allowed, else the seconds to wait.
    func attempt(from peer: String, now: ContinuousClock.Instant = .now) -> Int? {
        attempts.withLock { attempts in
            if attempts.count > 10_000 {
                attempts = attempts.filter { entry in entry.value.contains { now - $0 < window } }
            }
            var recent = (attempts[peer] ?? []).filter { now - $0 < window }
            if recent.count >= limit, let oldest = recent.first {
                attempts[peer] = recent
                let wait = window - (now - oldest)
                return max(1, Int((Double(wait.components.seconds) + Double(wait.components.attoseconds) / 1e18).rounded(.up)))
            }
            recent.append(now)
            attempts[peer] = recent
            return nil
        }
    }
}
