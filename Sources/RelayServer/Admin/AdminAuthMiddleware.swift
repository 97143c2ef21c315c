import HTTPTypes
public import Hummingbird
import Logging
import RelayCore

/// Deny-by-default gate in front of every admin route and UI page (registered before them).
///
/// Relay routes never get here (`RelayMiddleware` answers them first). See `AdminGuard` for the
/// rules. Also: 405 with `Allow` for a known admin path called with another method, JSON errors
/// for `/api/…`, `Cache-Control: no-store` on API answers and anti-framing headers on pages.
public struct AdminAuthMiddleware: RouterMiddleware {
    public typealias Context = RelayRequestContext
    let guardian: AdminGuard

    public init(guard guardian: AdminGuard) {
        self.guardian = guardian
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let path = request.uri.path
        let access = AdminGuard.access(method: request.method, path: path)
        if access == .passThrough { return try await next(request, context) }
        let config = guardian.runtime.configs.snapshot
        do {
            try guardian.checkHost(request, config: config)
            switch access {
            case .passThrough:
                return try await next(request, context)
            case .publicPage:
                var response: Response
                do {
                    response = try await next(request, context)
                } catch let error as any HTTPResponseError {
                    response = try error.response(from: request, context: context)
                }
                Self.decoratePage(&response)
                return response
            case .publicAPI:
                if let allowed = AdminRoutes.allowedMethods(for: path), !allowed.contains(request.method) {
                    throw Self.methodNotAllowed(allowed)
                }
                return try await apiResponse(request, context: context, next: next)
            case .protected:
                let who: AdminGuard.Authenticated
                do {
                    who = try guardian.authenticate(request, config: config)
                } catch {
                    context.logger.notice(
                        "admin authentication failed",
                        metadata: ["path": "\(path)", "method": "\(request.method.rawValue)", "peer": "\(AdminGuard.peer(context))"])
                    throw error
                }
                if case .session = who, AdminGuard.isStateChanging(request.method) {
                    try guardian.checkSameOrigin(request, requireEvidence: true)
                }
                if let allowed = AdminRoutes.allowedMethods(for: path), !allowed.contains(request.method) {
                    throw Self.methodNotAllowed(allowed)
                }
                return try await apiResponse(request, context: context, next: next)
            }
        } catch let failure as AdminFailure {
            return failure.response
        }
    }

    private func apiResponse(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let isAPI = request.uri.path.hasPrefix("/api/")
        do {
            var response = try await next(request, context)
            if isAPI {
                if response.headers[.cacheControl] == nil { response.headers[.cacheControl] = "no-store" }
                response.headers[.xContentTypeOptions] = "nosniff"
            } else {
                Self.decoratePage(&response)
            }
            return response
        } catch let error as HTTPError where isAPI {
            let failure = AdminFailure(
                status: error.status, type: error.status == .notFound ? "not_found_error" : "invalid_request_error",
                message: error.status == .notFound ? "no admin route \(request.uri.path)" : (error.body ?? error.status.reasonPhrase))
            return failure.response
        }
    }

    static func methodNotAllowed(_ allowed: [HTTPRequest.Method]) -> AdminFailure {
        var headers = HTTPFields()
        headers[.allow] = allowed.map(\.rawValue).joined(separator: ", ")
        return AdminFailure(
            status: .methodNotAllowed, type: "invalid_request_error", message: "method not allowed; use \(headers[.allow] ?? "")",
            headers: headers)
    }

    static func decoratePage(_ response: inout Response) {
        response.headers[.xContentTypeOptions] = "nosniff"
        if let frameOptions = HTTPField.Name("x-frame-options"), response.headers[frameOptions] == nil { response.headers[frameOptions] = "DENY" }
        if response.headers[.contentSecurityPolicy] == nil { response.headers[.contentSecurityPolicy] = "frame-ancestors 'none'" }
    }
}
