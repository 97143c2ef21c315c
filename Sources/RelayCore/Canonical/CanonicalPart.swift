/// One typed piece of a message, system prompt, or response.
public enum CanonicalPart: Sendable, Equatable {
    /// Non-empty text. `cacheControl` is carried when a client marks a cache breakpoint.
    case text(String, cacheControl: JSONValue? = nil)
    case image(CanonicalMediaSource, cacheControl: JSONValue? = nil)
    /// A PDF or plain-text document.
    case document(CanonicalMediaSource, title: String? = nil, cacheControl: JSONValue? = nil)
    /// Model reasoning. `signature` is the provider's opaque proof; unsigned reasoning cannot be
    /// sent back to Anthropic, so decoders only produce this case with a signature when it is input.
    case thinking(String, signature: String?)
    /// Encrypted reasoning returned verbatim.
    case redactedThinking(data: String)
    case toolCall(CanonicalToolCall)
    case toolResult(CanonicalToolResult)
    /// A provider block the relay does not model (server-tool use and results, future types):
    /// kept in the provider's own shape so it is never mistaken for a client tool call.
    case opaque(type: String, raw: JSONValue)

    /// The text of a `.text` part, else nil.
    public var text: String? {
        if case .text(let text, _) = self { return text }
        return nil
    }
}

/// Where an image's or document's bytes come from.
public enum CanonicalMediaSource: Sendable, Equatable {
    /// Base64 bytes with their media type (`image/png`, `application/pdf`, …).
    case base64(mediaType: String, data: String)
    /// A URL the upstream fetches itself.
    case url(String)
    /// Plain text (a `text/plain` document).
    case text(String)
}

/// A tool invocation by the model.
public struct CanonicalToolCall: Sendable, Equatable {
    public var id: String
    public var name: String
    /// The arguments as JSON text exactly as produced (for `custom` tools: the raw input string,
    /// not JSON). Kept as text because streamed arguments may be cut short and still be worth
    /// showing to the client.
    public var arguments: String
    public var kind: CanonicalToolKind

    public init(id: String, name: String, arguments: String, kind: CanonicalToolKind = .function) {
        self.id = id
        self.name = name
        self.arguments = arguments
        self.kind = kind
    }
}

public enum CanonicalToolKind: String, Sendable, Equatable {
    /// JSON-object arguments.
    case function
    /// Free-form text input (OpenAI `custom` tools such as Codex's `apply_patch`).
    case custom
}

/// The output of a tool, sent back by the client.
public struct CanonicalToolResult: Sendable, Equatable {
    public var callID: String
    /// Text and image parts.
    public var content: [CanonicalPart]
    public var isError: Bool

    public init(callID: String, content: [CanonicalPart], isError: Bool = false) {
        self.callID = callID
        self.content = content
        self.isError = isError
    }
}
