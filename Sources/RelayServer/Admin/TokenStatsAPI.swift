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
        let fromText = query["from"].map(String.init)
        let toText = query["to"].map(String.init)
        if fromText != nil || toText != nil {
            // Local days, both included; either bound alone leaves that side open. A date that is
            // not YYYY-MM-DD is reported, not ignored; from after to is an empty period.
            let zone = runtime.configs.snapshot.timeZone
            var start = Date(timeIntervalSince1970: -62_135_596_800)  // 0001-01-01
            var end = runtime.wallClock.now().addingTimeInterval(86_400)
            if let fromText {
                guard let day = Self.localDay(fromText, in: zone) else { throw HTTPError(.badRequest, message: "from must be a YYYY-MM-DD date") }
                start = day
            }
            if let toText {
                guard let day = Self.localDay(toText, in: zone) else { throw HTTPError(.badRequest, message: "to must be a YYYY-MM-DD date") }
                end = day.addingTimeInterval(86_400)
            }
            return .range(from: start, to: max(start, end))
        }
        let text = query["period"].map(String.init) ?? "all"
        guard text == text.lowercased(), let period = StatsPeriod(text) else {
            throw HTTPError(.badRequest, message: "period must be today, Nd (1 to 3660) or all")
        }
        return period
    }

    /// The start of local day `YYYY-MM-DD` in `zone`; nil for any other text.
    static func localDay(_ text: String, in zone: TimeZone) -> Date? {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
            parts.allSatisfy({ $0.utf8.allSatisfy { (48...57).contains($0) } }),
            let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]),
            (1...12).contains(month), (1...31).contains(day)
        else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        return calendar.date(from: DateComponents(year: max(1, year), month: month, day: day))
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
        let formatText = request.uri.queryParameters["format"].map(String.init) ?? "json"
        guard let format = UsageExportFormat(rawValue: formatText) else { throw HTTPError(.badRequest, message: "format must be json or csv") }
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
