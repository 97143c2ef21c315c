/// The error and framing conventions of the endpoint a client called.
///
/// Claude Code and the Anthropic SDK parse `{"type":"error","error":{"type","message"}}`;
/// Codex and the OpenAI SDKs parse `{"error":{"message","type","code"}}`. Every error the relay
/// itself produces is rendered in the dialect of the route, so the client shows a real message.
public enum ClientDialect: String, Sendable {
    case anthropic
    case openAI = "openai"

    /// The JSON error body for `status`, with a stable machine code and a human message.
    ///
    /// The message must never contain a secret; callers pass fixed text plus safe identifiers.
    public func errorBody(status: Int, code: String, message: String, requestID: String?) -> String {
        switch self {
        case .anthropic:
            var error: JSONObject = ["type": .string(Self.anthropicType(status: status)), "message": .string(message)]
            if code != Self.anthropicType(status: status) { error["code"] = .string(code) }
            var body: JSONObject = ["type": "error", "error": .object(error)]
            if let requestID { body["request_id"] = .string(requestID) }
            return JSONValue.object(body).serialized()
        case .openAI:
            var error: JSONObject = [
                "message": .string(message), "type": .string(Self.openAIType(status: status)), "param": .null,
                "code": .string(code),
            ]
            if let requestID { error["request_id"] = .string(requestID) }
            return JSONValue.object(["error": .object(error)]).serialized()
        }
    }

    static func anthropicType(status: Int) -> String {
        switch status {
        case 401: "authentication_error"
        case 402: "billing_error"
        case 403: "permission_error"
        case 404: "not_found_error"
        case 413: "request_too_large"
        case 429: "rate_limit_error"
        case 504: "timeout_error"
        case 529: "overloaded_error"
        case 400..<500: "invalid_request_error"
        default: "api_error"
        }
    }

    static func openAIType(status: Int) -> String {
        switch status {
        case 401: "authentication_error"
        case 403: "permission_error"
        case 404: "not_found_error"
        case 429: "rate_limit_error"
        case 400..<500: "invalid_request_error"
        default: "server_error"
        }
    }
}
