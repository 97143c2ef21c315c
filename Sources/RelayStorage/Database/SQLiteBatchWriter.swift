import Foundation
import NIOPosix
import SQLiteNIO
import Synchronization
import VaporCSQLite

/// The SQLite ledger's hot path: one dedicated thread that is also a `TaskExecutor`. The
/// ledger runs its writer loop with this executor as its preference, so taking a batch,
/// inserting it as one synchronous transaction on a connection of its own with prepared
/// statements kept across batches, and releasing the waiting responses all happen on this
/// thread without a hand-off.
///
/// Why not SQLiteNIO for this one path: there every statement is parsed again and costs three
/// thread hand-offs (thread pool → event loop → task), and a batch is six statements. Measured
/// at one connection that was +800 µs of relay CPU and +22 context switches per request, most
/// of it hand-offs and SQL parsing, not SQLite's own work; under load every hand-off also waits
/// for a core. The SQL is the same as the sql-kit path's (`UsageStore` builds both from the same
/// column lists); migrations, stats and maintenance still go through sql-kit, and SQLite's file
/// locking keeps this connection and the sql-kit ones consistent.
final class SQLiteBatchWriter: TaskExecutor, Sendable {
    private let pool: NIOThreadPool
    private let connection: SQLiteDirectConnection
    private let closed = Mutex(false)

    init(path: String, synchronous: SQLiteSynchronous, busyTimeoutMS: Int64, prepareFile: @escaping @Sendable (String) throws -> Void) {
        pool = NIOThreadPool(numberOfThreads: 1)
        pool.start()
        connection = SQLiteDirectConnection(path: path, synchronous: synchronous, busyTimeoutMS: busyTimeoutMS, prepareFile: prepareFile)
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        // After `close()` the thread is gone; the job still runs (on the submitting thread)
        // so no task is left suspended forever. It finds the connection closed.
        pool.submit { _ in job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }

    /// Runs `body` on the writer thread with the open connection (no hop when the caller
    /// already runs there, as the ledger's writer loop does). A thrown error closes the
    /// connection (it may hold an open transaction or a broken file); the next call reopens.
    /// Callers are nonisolated, so the closure runs on this executor.
    func perform<R: Sendable>(_ body: (SQLiteDirectConnection) throws -> R) async throws -> R {
        let connection = self.connection
        return try await withTaskExecutorPreference(self) {
            guard !isClosed else { throw UsageStoreError.closed }
            do {
                try connection.open()
                return try body(connection)
            } catch {
                connection.close()
                throw error
            }
        }
    }

    private var isClosed: Bool { closed.withLock { $0 } }

    /// Closes the connection and stops the thread; later calls throw `UsageStoreError.closed`.
    func close() async {
        let connection = self.connection
        let first = closed.withLock { closed -> Bool in
            defer { closed = true }
            return !closed
        }
        guard first else { return }
        await withTaskExecutorPreference(self) { connection.close() }
        try? await pool.shutdownGracefully()
    }
}

/// A value bound to a statement parameter.
enum SQLiteValue: Sendable, Equatable {
    case integer(Int64)
    case double(Double)
    case text(String)
    case null

    init(_ value: Int64?) { self = value.map(SQLiteValue.integer) ?? .null }
    init(_ value: Int?) { self = value.map { .integer(Int64($0)) } ?? .null }
    init(_ value: Double?) { self = value.map(SQLiteValue.double) ?? .null }
    init(_ value: String?) { self = value.map(SQLiteValue.text) ?? .null }
    /// Booleans as SQLiteKit stores them: 0 or 1.
    init(_ value: Bool) { self = .integer(value ? 1 : 0) }

    init(_ value: StoredRequest.ColumnValue) {
        switch value {
        case .integer(let number): self.init(number)
        case .double(let number): self.init(number)
        case .text(let text): self.init(text)
        case .bool(let flag): self.init(flag)
        }
    }
}

/// An error from the SQLite C API, with its extended result code and message.
struct SQLiteDirectError: Error, CustomStringConvertible {
    var code: Int32
    var message: String
    var description: String { "SQLite error \(code): \(message)" }
}

/// One SQLite connection and its prepared statements.
///
/// Confined to `SQLiteBatchWriter`'s single thread: every method is called only from there,
/// one at a time, which is why the mutable state needs no lock (hence `@unchecked Sendable`).
final class SQLiteDirectConnection: @unchecked Sendable {
    private let path: String
    private let synchronous: SQLiteSynchronous
    private let busyTimeoutMS: Int64
    private let prepareFile: @Sendable (String) throws -> Void
    private var handle: OpaquePointer?
    private var statements: [String: OpaquePointer] = [:]

    init(path: String, synchronous: SQLiteSynchronous, busyTimeoutMS: Int64, prepareFile: @escaping @Sendable (String) throws -> Void) {
        self.path = path
        self.synchronous = synchronous
        self.busyTimeoutMS = busyTimeoutMS
        self.prepareFile = prepareFile
    }

    deinit { close() }

    /// Opens the file once (creating it 0600 like the sql-kit connections) and sets the same
    /// pragmas: busy timeout, WAL, `synchronous`.
    func open() throws {
        guard handle == nil else { return }
        try prepareFile(path)
        var opened: OpaquePointer?
        let flags = SQLITE_OPEN_CREATE | SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE
        let status = sqlite_nio_sqlite3_open_v2(path, &opened, flags, nil)
        guard status == SQLITE_OK, let opened else {
            let message = opened.flatMap { sqlite_nio_sqlite3_errmsg($0) }.map { String(cString: $0) } ?? "cannot open \(path)"
            sqlite_nio_sqlite3_close(opened)
            throw SQLiteDirectError(code: status, message: message)
        }
        handle = opened
        do {
            sqlite_nio_sqlite3_busy_timeout(opened, Int32(clamping: busyTimeoutMS))
            try execute("PRAGMA journal_mode = WAL", cache: false)
            try execute("PRAGMA synchronous = \(synchronous.rawValue)", cache: false)
        } catch {
            close()
            throw error
        }
    }

    /// Finalizes every statement and closes the handle (no-op when closed).
    func close() {
        for statement in statements.values { sqlite_nio_sqlite3_finalize(statement) }
        statements.removeAll()
        if let handle { sqlite_nio_sqlite3_close_v2(handle) }
        handle = nil
    }

    /// Runs `body` between `BEGIN IMMEDIATE` and `COMMIT` (the write lock up front, as the
    /// sql-kit path does); rolls back when it throws.
    func transaction<R>(_ body: () throws -> R) throws -> R {
        try execute("BEGIN IMMEDIATE")
        do {
            let result = try body()
            try execute("COMMIT")
            return result
        } catch {
            // SQLite may already have rolled back (SQLITE_FULL, IOERR); then this fails harmlessly.
            _ = try? execute("ROLLBACK")
            throw error
        }
    }

    /// Runs a statement to completion; returns the number of rows it changed.
    @discardableResult
    func execute(_ sql: String, _ binds: [SQLiteValue] = [], cache: Bool = true) throws -> Int {
        let statement = try prepared(sql, cache: cache)
        defer { finish(statement, cached: cache) }
        try bind(binds, to: statement)
        while true {
            let status = sqlite_nio_sqlite3_step(statement)
            if status == SQLITE_DONE { break }
            if status != SQLITE_ROW { throw failure(status) }
        }
        return Int(sqlite_nio_sqlite3_changes(handle))
    }

    /// The first column of the first row as text (nil for no row or NULL).
    func firstText(_ sql: String, _ binds: [SQLiteValue] = []) throws -> String? {
        let statement = try prepared(sql, cache: true)
        defer { finish(statement, cached: true) }
        try bind(binds, to: statement)
        let status = sqlite_nio_sqlite3_step(statement)
        if status == SQLITE_DONE { return nil }
        guard status == SQLITE_ROW else { throw failure(status) }
        guard let text = sqlite_nio_sqlite3_column_text(statement, 0) else { return nil }
        return String(cString: text)
    }

    private func prepared(_ sql: String, cache: Bool) throws -> OpaquePointer {
        if cache, let statement = statements[sql] { return statement }
        guard let handle else { throw SQLiteDirectError(code: SQLITE_MISUSE, message: "connection is closed") }
        var statement: OpaquePointer?
        let flags = cache ? UInt32(SQLITE_PREPARE_PERSISTENT) : 0
        let status = sqlite_nio_sqlite3_prepare_v3(handle, sql, -1, flags, &statement, nil)
        guard status == SQLITE_OK, let statement else { throw failure(status) }
        if cache { statements[sql] = statement }
        return statement
    }

    private func finish(_ statement: OpaquePointer, cached: Bool) {
        if cached {
            sqlite_nio_sqlite3_reset(statement)
            sqlite_nio_sqlite3_clear_bindings(statement)
        } else {
            sqlite_nio_sqlite3_finalize(statement)
        }
    }

    private func bind(_ values: [SQLiteValue], to statement: OpaquePointer) throws {
        for (offset, value) in values.enumerated() {
            let index = Int32(offset + 1)
            let status: Int32
            switch value {
            case .integer(let number): status = sqlite_nio_sqlite3_bind_int64(statement, index, number)
            case .double(let number): status = sqlite_nio_sqlite3_bind_double(statement, index, number)
            case .null: status = sqlite_nio_sqlite3_bind_null(statement, index)
            case .text(let text):
                status = sqlite_nio_sqlite3_bind_text64(statement, index, text, UInt64(text.utf8.count), sqliteTransient, UInt8(SQLITE_UTF8))
            }
            guard status == SQLITE_OK else { throw failure(status) }
        }
    }

    private func failure(_ status: Int32) -> SQLiteDirectError {
        let message = handle.flatMap { sqlite_nio_sqlite3_errmsg($0) }.map { String(cString: $0) } ?? "SQLite call failed"
        return SQLiteDirectError(code: status, message: message)
    }
}

/// `SQLITE_TRANSIENT`: SQLite copies the bound bytes before the call returns (the C macro does
/// not import into Swift).
private let sqliteTransient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
