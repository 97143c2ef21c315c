public import RelayConfig
public import RelayCore

/// A client request the relay serves, recognised from its method and path.
///
/// Claude Code calls `{ANTHROPIC_BASE_URL}/v1/messages?beta=true`, so any prefix ending in
/// `/v1/messages` is accepted (as the original did); Codex calls `{base_url}/responses`.
public struct RelayRoute: Sendable, Equatable {
    public enum Kind: String, Sendable {
        case messages, countTokens = "count_tokens", models, responses, chatCompletions = "chat_completions"
    }

    public var kind: Kind
    public var pool: PoolName
    public var dialect: ClientDialect
    /// The wire format the client speaks.
    public var inbound: WireFormat
    /// Path under the upstream API base.
    public var apiPath: String

    /// Result of looking at a request that might be for the relay.
    public enum Match: Sendable, Equatable {
        case route(RelayRoute)
        /// A relay path with the wrong method.
        case methodNotAllowed(ClientDialect, allowed: String)
        /// Looks like an API call (`/v1/…`) but is nothing the relay serves.
        case unknownAPIPath(ClientDialect)
        /// Not an API path at all (admin, UI, …).
        case notRelay
    }

    public static func match(method: String, path rawPath: String) -> Match {
        var path = rawPath
        while path.count > 1, path.hasSuffix("/") { path.removeLast() }
        let segments = path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        let openAIPrefix = segments.first == "openai"
        func ends(with tail: [String]) -> Bool { segments.count >= tail.count && Array(segments.suffix(tail.count)) == tail }
        func require(_ expected: String, _ route: RelayRoute) -> Match {
            method == expected ? .route(route) : .methodNotAllowed(route.dialect, allowed: expected)
        }

        if ends(with: ["responses", "compact"]) {
            return require("POST", RelayRoute(kind: .responses, pool: .codex, dialect: .openAI, inbound: .openAIResponses, apiPath: "/responses/compact"))
        }
        if ends(with: ["responses"]) {
            return require("POST", RelayRoute(kind: .responses, pool: .codex, dialect: .openAI, inbound: .openAIResponses, apiPath: "/responses"))
        }
        if ends(with: ["chat", "completions"]) {
            return require("POST", RelayRoute(kind: .chatCompletions, pool: .openai, dialect: .openAI, inbound: .openAIChat, apiPath: "/v1/messages"))
        }
        if !openAIPrefix, ends(with: ["v1", "messages", "count_tokens"]) {
            return require(
                "POST", RelayRoute(kind: .countTokens, pool: .claude, dialect: .anthropic, inbound: .anthropic, apiPath: "/v1/messages/count_tokens"))
        }
        if !openAIPrefix, ends(with: ["v1", "messages"]) {
            return require("POST", RelayRoute(kind: .messages, pool: .claude, dialect: .anthropic, inbound: .anthropic, apiPath: "/v1/messages"))
        }
        if let modelsIndex = segments.lastIndex(of: "models"), modelsIndex >= segments.count - 2 {
            let rest = segments[(modelsIndex + 1)...].map { "/" + $0 }.joined()
            if openAIPrefix {
                return require("GET", RelayRoute(kind: .models, pool: .codex, dialect: .openAI, inbound: .openAIResponses, apiPath: "/models" + rest))
            }
            if modelsIndex > 0, segments[modelsIndex - 1] == "v1" {
                return require("GET", RelayRoute(kind: .models, pool: .claude, dialect: .anthropic, inbound: .anthropic, apiPath: "/v1/models" + rest))
            }
        }
        if openAIPrefix { return .unknownAPIPath(.openAI) }
        if segments.contains("v1") { return .unknownAPIPath(.anthropic) }
        return .notRelay
    }
}
