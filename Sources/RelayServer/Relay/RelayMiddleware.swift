public import Hummingbird
import HTTPTypes
import RelayConfig
import RelayCore

/// Sends relay routes (`…/v1/messages`, `/openai/responses`, …) to the `RelayService` and
/// everything else to the router (admin API, UI).
public struct RelayMiddleware: RouterMiddleware {
    public typealias Context = RelayRequestContext
    let relay: RelayService

    public init(relay: RelayService) {
        self.relay = relay
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        switch RelayRoute.match(method: request.method.rawValue, path: request.uri.path) {
        case .notRelay:
            return try await next(request, context)
        case .route(let route) where route.kind == .models && route.pool == .claude && request.uri.path == "/v1/models"
            && request.headers[HTTPField.Name("anthropic-version") ?? .contentType] == nil:
            // The OpenAI SDK's `models.list()` (base_url …/v1); Anthropic clients send anthropic-version.
            let config = relay.runtime.configs.snapshot
            guard case .authenticated = ClientAuthenticator.authenticate(request.headers, clients: config.clients) else {
                return RelayHTTPError(.unauthorized, dialect: .openAI, code: "invalid_api_key", message: "The client key is not valid for this relay.")
                    .response(requestID: RelayService.makeRequestID())
            }
            return await ChatRelay.models(runtime: relay.runtime, logger: context.logger)
        case .route(let route):
            return await relay.serve(request, route: route, connection: relay.runtime.connections.watcher(for: context.channel), logger: context.logger)
        case .methodNotAllowed(let dialect, let allowed):
            var headers = HTTPFields()
            headers[.allow] = allowed
            return RelayHTTPError(
                .methodNotAllowed, dialect: dialect, code: "method_not_allowed",
                message: "\(request.method.rawValue) is not supported on \(request.uri.path); use \(allowed).", headers: headers
            ).response(requestID: RelayService.makeRequestID())
        case .unknownAPIPath(let dialect):
            return RelayHTTPError(
                .notFound, dialect: dialect, code: "not_found",
                message: "\(request.uri.path) is not an endpoint of this relay."
            ).response(requestID: RelayService.makeRequestID())
        }
    }
}
