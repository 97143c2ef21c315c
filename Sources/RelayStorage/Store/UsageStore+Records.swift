import Foundation
import RelayCore
import SQLKit

/// Export file formats.
public enum UsageExportFormat: String, Sendable, CaseIterable {
    case csv
    case json

    public var contentType: String {
        switch self {
        case .csv: "text/csv; charset=utf-8"
        case .json: "application/json"
        }
    }
}

extension UsageStore {
    /// Every stored request started in `period` (exact bounds), oldest first, read in pages
    /// of `pageSize` rows so a long export never holds one huge result set in the driver.
    public func requests(
        in period: StatsPeriod, timeZone: TimeZone = TimeZone(identifier: "UTC") ?? .current, now: Date = Date(),
        pageSize: Int = 5000
    ) async throws -> [StoredRequest] {
        try await ensureReady()
        let interval = period.interval(now: now, timeZone: timeZone)
        let low = interval.from.map(StoredRequest.milliseconds)
        let high = interval.to.map(StoredRequest.milliseconds)
        let limit = max(1, pageSize)
        var result: [StoredRequest] = []
        var cursor: (milliseconds: Int64, id: String)?
        while true {
            var sql: SQLQueryString = "SELECT \(unsafeRaw: Self.requestColumns.joined(separator: ", ")) FROM requests WHERE 1 = 1"
            if let low { sql += " AND started_at_ms >= \(bind: low)" }
            if let high { sql += " AND started_at_ms < \(bind: high)" }
            if let cursor {
                sql += " AND (started_at_ms > \(bind: cursor.milliseconds) OR (started_at_ms = \(bind: cursor.milliseconds) AND request_id > \(bind: cursor.id)))"
            }
            sql += " ORDER BY started_at_ms, request_id LIMIT \(literal: limit)"
            let page = try await backend.withReader { db in
                try await db.raw(sql).all().map(Self.decodeRequest)
            }
            result.append(contentsOf: page)
            guard page.count == limit, let last = page.last else { break }
            cursor = (last.startedAtMilliseconds, last.requestID)
        }
        return result
    }

    /// The most recent requests, newest first (for a "recent requests" view).
    public func recentRequests(limit: Int = 100) async throws -> [StoredRequest] {
        try await ensureReady()
        let sql: SQLQueryString = """
            SELECT \(unsafeRaw: Self.requestColumns.joined(separator: ", ")) FROM requests \
            ORDER BY started_at_ms DESC, request_id DESC LIMIT \(literal: max(1, min(limit, 10_000)))
            """
        return try await backend.withReader { db in
            try await db.raw(sql).all().map(Self.decodeRequest)
        }
    }

    /// The stored request with this id, if any.
    public func request(id: String) async throws -> StoredRequest? {
        try await ensureReady()
        let sql: SQLQueryString = "SELECT \(unsafeRaw: Self.requestColumns.joined(separator: ", ")) FROM requests WHERE request_id = \(bind: id)"
        return try await backend.withReader { db in
            try await db.raw(sql).first().map(Self.decodeRequest)
        }
    }

    /// Number of stored request rows (a full count: for status pages and tests, not hot paths).
    public func requestCount() async throws -> Int {
        try await ensureReady()
        return try await backend.withReader { db in
            try await db.raw("SELECT CAST(COUNT(*) AS BIGINT) AS n FROM requests").first(decodingColumn: "n", as: Int.self) ?? 0
        }
    }

    /// The requests of `period` as a CSV or JSON file body.
    public func export(
        _ period: StatsPeriod, format: UsageExportFormat, timeZone: TimeZone = TimeZone(identifier: "UTC") ?? .current,
        now: Date = Date()
    ) async throws -> Data {
        let rows = try await requests(in: period, timeZone: timeZone, now: now)
        switch format {
        case .csv:
            return Data(Self.csv(rows).utf8)
        case .json:
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            return try encoder.encode(rows)
        }
    }

    /// RFC 4180 CSV with a header row; unknown values are empty cells. Text cells that a
    /// spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab, CR first) get a leading
    /// `'`: model and client names can come from request bodies.
    public static func csv(_ rows: [StoredRequest]) -> String {
        var out = StoredRequest.CodingKeys.allCases.map(\.rawValue).joined(separator: ",") + "\r\n"
        func text(_ value: String?) -> String {
            guard var value else { return "" }
            if let first = value.unicodeScalars.first, "=+-@\t\r".unicodeScalars.contains(first) { value = "'" + value }
            if value.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) {
                return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
            }
            return value
        }
        func number<T: LosslessStringConvertible>(_ value: T?) -> String { value.map { String($0) } ?? "" }
        for r in rows {
            let cells: [String] = [
                text(r.requestID), TimeText.iso8601UTC(milliseconds: r.startedAtMilliseconds), text(r.client), text(r.inbound),
                text(r.route), text(r.pool), text(r.upstream), text(r.requestedModel), text(r.servedModel), number(r.status),
                number(r.attempts), number(r.durationSeconds), number(r.timeToFirstByteSeconds), number(r.usage.input),
                number(r.usage.output), number(r.usage.cacheWrite), number(r.usage.cacheWrite5m), number(r.usage.cacheWrite1h),
                number(r.usage.cacheRead), number(r.usage.reasoning), number(r.streamed), number(r.partial),
                number(r.clientCancelled), text(r.errorLabel),
            ]
            out += cells.joined(separator: ",") + "\r\n"
        }
        return out
    }

    static func decodeRequest(_ row: any SQLRow) throws -> StoredRequest {
        StoredRequest(
            requestID: try row.decode(column: "request_id", as: String.self),
            startedAtMilliseconds: try row.decode(column: "started_at_ms", as: Int64.self),
            client: try row.decode(column: "client", as: String?.self),
            inbound: try row.decode(column: "inbound", as: String.self),
            route: try row.decode(column: "route", as: String.self),
            pool: try row.decode(column: "pool", as: String.self),
            upstream: try row.decode(column: "upstream", as: String?.self),
            requestedModel: try row.decode(column: "requested_model", as: String?.self),
            servedModel: try row.decode(column: "served_model", as: String?.self),
            status: try row.decode(column: "status", as: Int.self),
            attempts: try row.decode(column: "attempts", as: Int.self),
            durationSeconds: try row.decode(column: "duration_seconds", as: Double.self),
            timeToFirstByteSeconds: try row.decode(column: "ttfb_seconds", as: Double?.self),
            usage: TokenUsage(
                input: try row.decode(column: "input_tokens", as: Int?.self),
                output: try row.decode(column: "output_tokens", as: Int?.self),
                cacheWrite: try row.decode(column: "cache_write_tokens", as: Int?.self),
                cacheWrite5m: try row.decode(column: "cache_write_5m_tokens", as: Int?.self),
                cacheWrite1h: try row.decode(column: "cache_write_1h_tokens", as: Int?.self),
                cacheRead: try row.decode(column: "cache_read_tokens", as: Int?.self),
                reasoning: try row.decode(column: "reasoning_tokens", as: Int?.self)
            ),
            streamed: try row.decode(column: "streamed", as: Bool.self),
            partial: try row.decode(column: "partial", as: Bool.self),
            clientCancelled: try row.decode(column: "client_cancelled", as: Bool.self),
            errorLabel: try row.decode(column: "error_label", as: String?.self)
        )
    }
}
