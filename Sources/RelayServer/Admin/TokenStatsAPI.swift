import Foundation
public import Hummingbird
import RelayConfig
import RelayCore
import RelayRouting
import RelayStorage

/// Token statistics from the usage ledger, in the original's shape plus per-upstream, per-client
/// and real per-model-per-day numbers, and cost in USD and the display currency.
///
/// `GET /api/token-stats?period=today|7d|30d|all` or `?from=YYYY-MM-DD&to=YYYY-MM-DD`;
/// `GET /api/token-stats/export?format=csv|json&period=…`; `POST /api/token-stats/reset` (writes
/// an export to `backups/` first, then clears); `POST /api/token-stats/generate` (the original's
/// no-op, kept for old scripts).
struct TokenStatsAPI: Sendable {
    let runtime: RelayRuntime

    func register(on router: Router<RelayRequestContext>) {
        router.get("/api/token-stats") { request, _ in try await self.stats(request) }
        router.get("/api/token-stats/export") { request, _ in try await self.export(request) }
        router.post("/api/token-stats/reset") { _, _ in try await self.reset() }
        router.post("/api/token-stats/generate") { _, _ in
            Self.json(["success": true, "message": "statistics are recorded live; nothing to generate"] as JSONValue)
        }
    }

    func period(_ request: Request) throws -> StatsPeriod {
        let query = request.uri.queryParameters
        if let from = query["from"].map(String.init), let to = query["to"].map(String.init) {
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = runtime.configs.snapshot.timeZone
            formatter.dateFormat = "yyyy-MM-dd"
            guard let start = formatter.date(from: from), let end = formatter.date(from: to), start <= end else {
                throw HTTPError(.badRequest, message: "from and to must be YYYY-MM-DD dates, from ≤ to")
            }
            return .range(from: start, to: end.addingTimeInterval(86_400))
        }
        let text = query["period"].map(String.init) ?? "all"
        guard let period = StatsPeriod(text) else { throw HTTPError(.badRequest, message: "period must be today, 7d, 30d, Nd or all") }
        return period
    }

    func store() throws -> UsageStore {
        guard let store = runtime.usageStore else { throw HTTPError(.serviceUnavailable, message: "the usage ledger is not running") }
        return store
    }

    func stats(_ request: Request) async throws -> Response {
        let stats = try await store().tokenStats(
            try period(request), timeZone: runtime.configs.snapshot.timeZone, prices: runtime.prices, now: runtime.wallClock.now())
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        var data = try encoder.encode(stats)
        // The ledger's health rides along, so the UI can say when records are being dropped.
        if let ledger = runtime.ledger, var object = try? JSONValue.parse(Array(data)).objectValue {
            let status = ledger.status
            object["ledger"] = [
                "healthy": .bool(status.isHealthy), "queued": .number(Double(status.queued)), "written": .number(Double(status.written)),
                "dropped": .number(Double(status.dropped.values.reduce(0, +))), "backend": .string((try? store().backendName) ?? ""),
            ]
            data = Data(JSONValue.object(object).compactUTF8())
        }
        return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    func export(_ request: Request) async throws -> Response {
        let format = UsageExportFormat(rawValue: request.uri.queryParameters["format"].map(String.init) ?? "json") ?? .json
        let data = try await store().export(try period(request), format: format, timeZone: runtime.configs.snapshot.timeZone, now: runtime.wallClock.now())
        var headers: HTTPFields = [.contentType: format.contentType]
        headers[.contentDisposition] = "attachment; filename=\"switchyard-usage.\(format.rawValue)\""
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    func reset() async throws -> Response {
        let store = try store()
        await runtime.ledger?.flush()
        let data = try await store.export(.all, format: .json, timeZone: runtime.configs.snapshot.timeZone, now: runtime.wallClock.now())
        var saved = "not saved (no data dir)"
        if let directory = runtime.dataDirectory?.appendingPathComponent("backups") {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            let stamp = Int(runtime.wallClock.now().timeIntervalSince1970)
            let file = directory.appendingPathComponent("usage-export-\(stamp).json")
            try ConfigStore.writeFileAtomically(data, to: file)
            saved = file.lastPathComponent
        }
        let removed = try await store.reset()
        return Self.json(["success": true, "message": .string("statistics cleared; export saved as \(saved)"), "removed": .number(Double(removed))])
    }

    static func json(_ value: JSONValue) -> Response {
        Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: value.compactUTF8())))
    }
}
