import Foundation

/// Upstream errors rendered for clients of another format (PROTOCOLS.md §5.13, G13).
///
/// Only the upstream's own short `error.message` is carried (truncated); raw bodies, headers and
/// request ids never reach the client.
public enum ErrorTranslation {
    /// Longest upstream message passed on.
    static let maxMessageLength = 500

    /// An OpenAI-shaped error body for an Anthropic error response.
    public static func anthropicToOpenAI(status: Int, body: JSONValue?) -> JSONValue {
        translate(status: status, body: body).body
    }

    /// The status a Chat client should see: 529 (and 503) become 503 `server_is_overloaded`
    /// (G13(a)); every other status is kept.
    public static func openAIStatus(forAnthropicStatus status: Int) -> Int {
        status == 529 ? 503 : status
    }

    /// Status and body together.
    public static func translate(status: Int, body: JSONValue?) -> (status: Int, body: JSONValue) {
        let error = body?["error"]
        let type = error?["type"]?.stringValue ?? anthropicType(status: status)
        let message = shortMessage(error?["message"]?.stringValue) ?? "Upstream error (HTTP \(status))"
        let spendLimit = error?["details"]?["error_code"]?.stringValue == "enforced_spend_limit_reached"
        let mapped = openAI(anthropicType: type, message: message, spendLimit: spendLimit)
        return (openAIStatus(forAnthropicStatus: status), errorBody(message: message, type: mapped.type, code: mapped.code))
    }

    /// The `{"error":{…}}` payload of a Chat stream error frame (G13(d)).
    public static func openAIStreamError(anthropicType: String, message: String) -> JSONValue {
        let text = shortMessage(message) ?? "Upstream stream error"
        let mapped = openAI(anthropicType: anthropicType, message: text, spendLimit: false)
        return errorBody(message: text, type: mapped.type, code: mapped.code)
    }

    static func errorBody(message: String, type: String, code: String?) -> JSONValue {
        [
            "error": [
                "message": .string(message), "type": .string(type), "param": .null, "code": code.map(JSONValue.string) ?? .null,
            ]
        ]
    }

    /// Anthropic error type → OpenAI (type, code) per §3.6 and §5.13.
    static func openAI(anthropicType: String, message: String, spendLimit: Bool) -> (type: String, code: String?) {
        switch anthropicType {
        case "invalid_request_error":
            let lower = message.lowercased()
            let overflow = lower.contains("prompt is too long") || lower.contains("context window") || lower.contains("too many tokens")
            return ("invalid_request_error", overflow ? "context_length_exceeded" : nil)
        case "authentication_error": return ("invalid_request_error", "invalid_api_key")
        case "permission_error": return ("invalid_request_error", "permission_denied")
        case "billing_error": return ("insufficient_quota", "insufficient_quota")
        case "not_found_error": return ("invalid_request_error", "model_not_found")
        case "request_too_large": return ("invalid_request_error", "request_too_large")
        case "rate_limit_error": return spendLimit ? ("insufficient_quota", "insufficient_quota") : ("rate_limit_error", "rate_limit_exceeded")
        case "overloaded_error": return ("server_error", "server_is_overloaded")
        case "timeout_error": return ("server_error", "timeout")
        default: return ("server_error", nil)
        }
    }

    /// The Anthropic error type implied by a status when the body has none (a proxy's HTML page).
    static func anthropicType(status: Int) -> String {
        switch status {
        case 401: "authentication_error"
        case 402: "billing_error"
        case 403: "permission_error"
        case 404: "not_found_error"
        case 413: "request_too_large"
        case 429: "rate_limit_error"
        case 503, 529: "overloaded_error"
        case 504: "timeout_error"
        case 400..<500: "invalid_request_error"
        default: "api_error"
        }
    }

    static func shortMessage(_ message: String?) -> String? {
        guard let message else { return nil }
        let trimmed = message.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { return nil }
        return trimmed.count > maxMessageLength ? String(trimmed.prefix(maxMessageLength)) + "…" : trimmed
    }
}

/// An error an upstream reported inside a stream (Anthropic `event: error`).
public struct InBandError: Sendable, Equatable {
    /// The upstream's type, e.g. `overloaded_error`.
    public var type: String
    public var message: String

    public init(type: String, message: String) {
        self.type = type
        self.message = message
    }
}
