/// The API dialect of a route: decides the shape of error bodies and the request-id header.
enum FakeDialect: Sendable {
    case anthropic
    case openAI

    /// Header that carries the request id in this dialect.
    var requestIDHeader: String {
        switch self {
        case .anthropic: "request-id"
        case .openAI: "x-request-id"
        }
    }

    /// The error body a real upstream of this dialect sends with `status`.
    func errorBody(status: Int, message: String, requestID: String) -> FakeJSON {
        switch self {
        case .anthropic:
            return [
                "type": "error",
                "error": ["type": .string(Self.anthropicErrorType(status)), "message": .string(message)],
                "request_id": .string(requestID),
            ]
        case .openAI:
            let (type, code) = Self.openAIErrorTypeAndCode(status)
            return [
                "error": [
                    "message": .string(message),
                    "type": .string(type),
                    "param": nil,
                    "code": code.map { FakeJSON.string($0) } ?? .null,
                ]
            ]
        }
    }

    static func anthropicErrorType(_ status: Int) -> String {
        switch status {
        case 400: "invalid_request_error"
        case 401: "authentication_error"
        case 402: "billing_error"
        case 403: "permission_error"
        case 404: "not_found_error"
        case 413: "request_too_large"
        case 429: "rate_limit_error"
        case 504: "timeout_error"
        case 529: "overloaded_error"
        case 500...: "api_error"
        default: "invalid_request_error"
        }
    }

    static func openAIErrorTypeAndCode(_ status: Int) -> (String, String?) {
        switch status {
        case 401: ("invalid_request_error", "invalid_api_key")
        case 403: ("permission_error", nil)
        case 404: ("invalid_request_error", "model_not_found")
        case 413: ("invalid_request_error", "request_too_large")
        case 429: ("requests", "rate_limit_exceeded")
        case 503: ("server_error", "server_is_overloaded")
        case 500...: ("server_error", "server_error")
        default: ("invalid_request_error", nil)
        }
    }
}
