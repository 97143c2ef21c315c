import Foundation

extension UsageLedger {
    /// Why a record never reached the store.
    public enum DropReason: String, Sendable, CaseIterable, Codable {
        /// The in-memory queue was at capacity (the store is slower than traffic, or down).
        case queueFull = "queue_full"
        /// Its batch failed `maxAttempts` times.
        case storeFailure = "store_failure"
        /// It arrived after the ledger stopped.
        case stopped
    }

    /// Tuning of the ledger. Defaults suit one relay process.
    public struct Configuration: Sendable, Equatable {
        /// Records held in memory (queued plus the batch being written) before new ones drop.
        public var capacity: Int
        /// Most records per transaction.
        public var maxBatch: Int
        /// Extra wait before a commit to gather more records, taken only when the previous
        /// commit carried more than one record (requests are arriving concurrently). One
        /// request at a time never waits for it. Every commit writes a handful of fixed pages
        /// (table tails, index tails, rollup rows) besides the records, so under load a
        /// millisecond here cuts the bytes written per record several times. Zero: commit at
        /// once; batches then form only while a commit is in flight.
        public var linger: Duration
        /// Tries per batch before its records are dropped and counted.
        public var maxAttempts: Int
        /// First retry delay; doubles per attempt up to `maxRetryDelay`.
        public var retryDelay: Duration
        public var maxRetryDelay: Duration
        /// A store call taking longer than this counts as a failed attempt.
        public var attemptTimeout: Duration
        /// How long `recordDurably` waits for the commit before giving up (the record stays
        /// queued); bounds how long a response's last byte can be held back.
        public var durableWaitLimit: Duration
        /// How often waits past their limit are looked for: a wait may overrun its limit by
        /// up to this much.
        public var sweepInterval: Duration

        public init(
            capacity: Int = 10_000, maxBatch: Int = 256, linger: Duration = .milliseconds(1), maxAttempts: Int = 5,
            retryDelay: Duration = .milliseconds(100), maxRetryDelay: Duration = .seconds(2), attemptTimeout: Duration = .seconds(10),
            durableWaitLimit: Duration = .milliseconds(250), sweepInterval: Duration = .milliseconds(10)
        ) {
            self.capacity = max(1, capacity)
            self.maxBatch = max(1, maxBatch)
            self.linger = linger
            self.maxAttempts = max(1, maxAttempts)
            self.retryDelay = retryDelay
            self.maxRetryDelay = maxRetryDelay
            self.attemptTimeout = attemptTimeout
            self.durableWaitLimit = durableWaitLimit
            self.sweepInterval = max(.milliseconds(1), sweepInterval)
        }
    }

    /// A snapshot of the ledger's counters, for the status API and metrics.
    public struct Status: Sendable, Equatable, Codable {
        /// `idle` (not started), `running`, `draining` (shutting down), `stopped`.
        public var state: String
        /// Records waiting, including the batch being written.
        public var queued: Int
        public var capacity: Int
        /// Records accepted into the queue since start.
        public var accepted: Int
        /// Records committed as new rows.
        public var written: Int
        /// Records committed whose request id was already stored (not double-counted).
        public var duplicates: Int
        /// Records dropped, by `DropReason` raw value.
        public var dropped: [String: Int]
        public var batches: Int
        /// `recordDurably` calls that returned before their record was committed (limit
        /// reached, store failing, caller cancelled): responses released without the
        /// durability guarantee.
        public var unconfirmedWaits: Int
        public var failedAttempts: Int
        public var lastError: String?
        public var lastErrorAt: Date?
        public var lastWriteAt: Date?
        /// The last store attempt succeeded (or none failed yet) and the queue has room.
        public var isHealthy: Bool

        public var droppedTotal: Int { dropped.values.reduce(0, +) }

        public func dropped(_ reason: DropReason) -> Int { dropped[reason.rawValue] ?? 0 }

        enum CodingKeys: String, CodingKey {
            case state, queued, capacity, accepted, written, duplicates, dropped, batches
            case unconfirmedWaits = "unconfirmed_waits"
            case failedAttempts = "failed_attempts"
            case lastError = "last_error"
            case lastErrorAt = "last_error_at"
            case lastWriteAt = "last_write_at"
            case isHealthy = "healthy"
        }
    }
}
