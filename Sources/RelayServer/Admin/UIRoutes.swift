import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// Serves the admin web UI: `GET /` (index.html), `GET /token-stats.html` and `GET /ui/{file}`.
///
/// The pages are static shells with no data in them; everything they show comes from the
/// authenticated admin API. Files are read once, at startup, from the `UI` resource directory
/// (SwiftPM `resources: [.copy("UI")]` on the RelayServer target) and kept in memory. Every answer
/// carries `Cache-Control: no-cache`, an ETag, and the security headers (a strict CSP without
/// inline script or style, nosniff, no referrer, no framing).
struct UIRoutes: Sendable {
    struct Asset: Sendable {
        let body: ByteBuffer
        let contentType: String
        let etag: String
    }

    /// File name → contents. Flat: `/ui/{file}` can only name one of these.
    let assets: [String: Asset]
    /// Where the files came from, or nil when none were found.
    let directory: URL?

    static let contentSecurityPolicy =
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'"

    init(directory: URL? = nil, environment: [String: String] = ProcessInfo.processInfo.environment) {
        let found = directory ?? Self.locate(environment: environment)
        self.directory = found
        self.assets = found.map(Self.load) ?? [:]
    }

    func register(on router: Router<RelayRequestContext>) {
        router.get("/") { request, _ in self.serve("index.html", request: request) }
        router.get("/index.html") { request, _ in self.serve("index.html", request: request) }
        // The same shell; app.js shows the statistics alone on this path.
        router.get("/token-stats.html") { request, _ in self.serve("index.html", request: request) }
        router.get("/ui/{file}") { request, context in
            self.serve(context.parameters.get("file") ?? "", request: request)
        }
    }

    func serve(_ name: String, request: Request) -> Response {
        var headers = Self.securityHeaders()
        guard let asset = assets[name] else {
            headers[.contentType] = "text/plain; charset=utf-8"
            if assets.isEmpty {
                return Response(
                    status: .serviceUnavailable, headers: headers,
                    body: .init(byteBuffer: ByteBuffer(string: "Switchyard's web UI files were not found next to the binary (switchyard_RelayServer.resources/UI).\n")))
            }
            return Response(status: .notFound, headers: headers, body: .init(byteBuffer: ByteBuffer(string: "Not found\n")))
        }
        headers[.eTag] = asset.etag
        if let match = request.headers[.ifNoneMatch], match.split(separator: ",").contains(where: { $0.trimmingCharacters(in: .whitespaces) == asset.etag }) {
            return Response(status: .notModified, headers: headers)
        }
        headers[.contentType] = asset.contentType
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: asset.body))
    }

    static func securityHeaders() -> HTTPFields {
        var headers = HTTPFields()
        headers[.cacheControl] = "no-cache"
        let fields: [(String, String)] = [
            ("Content-Security-Policy", contentSecurityPolicy), ("X-Content-Type-Options", "nosniff"), ("Referrer-Policy", "no-referrer"),
            ("X-Frame-Options", "DENY"), ("Cross-Origin-Opener-Policy", "same-origin"),
        ]
        for (name, value) in fields {
            if let name = HTTPField.Name(name) { headers[name] = value }
        }
        return headers
    }

    // MARK: - loading

    static let contentTypes: [String: String] = [
        "html": "text/html; charset=utf-8",
        "js": "text/javascript; charset=utf-8",
        "css": "text/css; charset=utf-8",
        "svg": "image/svg+xml",
        "png": "image/png",
        "ico": "image/x-icon",
        "json": "application/json",
        "txt": "text/plain; charset=utf-8",
    ]

    /// The `UI` directory: `SWITCHYARD_UI_DIR`, else the SwiftPM resource bundle next to the
    /// executable (what `Bundle.module` resolves to), else the source tree (development builds).
    static func locate(environment: [String: String]) -> URL? {
        var candidates: [URL] = []
        if let dir = environment["SWITCHYARD_UI_DIR"], !dir.isEmpty {
            candidates.append(URL(fileURLWithPath: dir))
        }
        var bases = [Bundle.main.bundleURL]
        if let executable = Bundle.main.executableURL?.deletingLastPathComponent() { bases.append(executable) }
        for base in bases {
            for bundle in ["switchyard_RelayServer.resources", "switchyard_RelayServer.bundle", "switchyard_RelayServer.bundle/Contents/Resources"] {
                candidates.append(base.appendingPathComponent(bundle).appendingPathComponent("UI"))
            }
        }
        candidates.append(URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("UI"))
        return candidates.first { url in
            FileManager.default.fileExists(atPath: url.appendingPathComponent("index.html").path)
        }
    }

    static func load(from directory: URL) -> [String: Asset] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory.path) else { return [:] }
        var assets: [String: Asset] = [:]
        for name in names where !name.hasPrefix(".") {
            let ext = (name as NSString).pathExtension.lowercased()
            guard let type = contentTypes[ext], let data = FileManager.default.contents(atPath: directory.appendingPathComponent(name).path) else { continue }
            assets[name] = Asset(body: ByteBuffer(bytes: data), contentType: type, etag: "\"\(fnv1a(data))\"")
        }
        return assets
    }

    /// FNV-1a 64-bit, hex: a stable content tag for ETag.
    static func fnv1a(_ data: Data) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in data {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        return String(hash, radix: 16)
    }
}
