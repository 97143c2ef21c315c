import Foundation
import Logging
import SQLKit
import SQLiteKit
import SQLiteNIO
import Synchronization

/// How hard SQLite syncs a commit to disk (`PRAGMA synchronous`).
///
/// In WAL mode both survive `kill -9` of the relay: a commit is in the OS page cache once
/// `COMMIT` returns. `.normal` (the default) may lose the last commits on power loss or an OS
/// crash but never corrupts the file; `.full` fsyncs the WAL on every commit and survives power
/// loss at the cost of one fsync per group commit.
public enum SQLiteSynchronous: String, Sendable, Codable, CaseIterable {
    case normal = "NORMAL"
    case full = "FULL"
}

/// One lazily opened SQLite connection with a gate, reopened after any failure.
///
/// Why lazy: a missing or unwritable data dir must not stop the relay from starting; the
/// ledger keeps counting failures and recovers when the file becomes usable.
final class SQLiteSlot: Sendable {
    private let gate = AsyncGate()
    private let connection = Mutex<SQLiteConnection?>(nil)
    private let open: @Sendable () async throws -> SQLiteConnection

    init(open: @escaping @Sendable () async throws -> SQLiteConnection) {
        self.open = open
    }

    func with<R>(_ body: (any SQLDatabase) async throws -> R) async throws -> R {
        try await gate.withGate {
            let current: SQLiteConnection
            if let existing = connection.withLock({ $0 }) {
                current = existing
            } else {
                current = try await open()
                connection.withLock { $0 = current }
            }
            do {
                return try await body(current.sql(queryLogLevel: .trace))
            } catch {
                // The connection may be in an unknown state (open transaction, broken file):
                // start from a fresh one next time.
                connection.withLock { $0 = nil }
                try? await shielded { try await current.close() }
                throw error
            }
        }
    }

    func close() async {
        try? await gate.withGate {
            let current = connection.withLock { value -> SQLiteConnection? in
                defer { value = nil }
                return value
            }
            if let current {
                try? await shielded { try await current.close() }
            }
        }
    }
}

/// The SQLite side of the store: one writer connection and one reader connection on the same
/// file, so stats queries never wait behind a group commit (WAL lets readers run beside the
/// writer).
final class SQLiteFile: Sendable {
    let path: String
    let writer: SQLiteSlot
    let reader: SQLiteSlot
    /// Batch inserts of the ledger (the hot path), on their own thread and connection.
    let batchWriter: SQLiteBatchWriter

    init(path: String, synchronous: SQLiteSynchronous, busyTimeout: Duration, logger: Logger) {
        self.path = path
        let milliseconds = max(0, busyTimeout.components.seconds * 1000 + busyTimeout.components.attoseconds / 1_000_000_000_000_000)
        writer = SQLiteSlot {
            try await Self.openConnection(path: path, synchronous: synchronous, busyTimeoutMS: milliseconds, readOnly: false, logger: logger)
        }
        reader = SQLiteSlot {
            try await Self.openConnection(path: path, synchronous: synchronous, busyTimeoutMS: milliseconds, readOnly: true, logger: logger)
        }
        batchWriter = SQLiteBatchWriter(
            path: path, synchronous: synchronous, busyTimeoutMS: milliseconds, prepareFile: { try Self.prepareFile(path: $0) })
    }

    func close() async {
        await batchWriter.close()
        await writer.close()
        await reader.close()
    }

    private static func openConnection(
        path: String, synchronous: SQLiteSynchronous, busyTimeoutMS: Int64, readOnly: Bool, logger: Logger
    ) async throws -> SQLiteConnection {
        try prepareFile(path: path)
        let connection: SQLiteConnection = try await SQLiteConnection.open(storage: .file(path: path), logger: logger)
        do {
            let db = connection.sql(queryLogLevel: .trace)
            // busy_timeout first: it replaces sqlite-nio's retry-forever busy handler, so a
            // locked file fails after a bounded wait instead of hanging the writer.
            try await db.raw("PRAGMA busy_timeout = \(unsafeRaw: String(busyTimeoutMS))").run()
            let mode = try await db.raw("PRAGMA journal_mode = WAL").first(decodingColumn: "journal_mode", as: String.self)
            if mode?.lowercased() != "wal" {
                logger.warning("SQLite did not switch to WAL mode", metadata: ["path": .string(path), "mode": .string(mode ?? "?")])
            }
            try await db.raw("PRAGMA synchronous = \(unsafeRaw: synchronous.rawValue)").run()
            if readOnly {
                try await db.raw("PRAGMA query_only = 1").run()
            }
        } catch {
            try? await shielded { try await connection.close() }
            throw error
        }
        return connection
    }

    /// Creates the parent directory and an empty 0600 file, so usage data (client names,
    /// models) is not world-readable; SQLite gives the -wal and -shm files the same mode.
    static func prepareFile(path: String) throws {
        let files = FileManager.default
        let url = URL(fileURLWithPath: path)
        let directory = url.deletingLastPathComponent().path
        var isDirectory: ObjCBool = false
        if !files.fileExists(atPath: directory, isDirectory: &isDirectory) {
            try files.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } else if !isDirectory.boolValue {
            throw UsageStoreError.unavailable("\(directory) is not a directory")
        }
        if !files.fileExists(atPath: path) {
            _ = files.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600])
        }
    }
}
