/// A tool the model may call.
public struct CanonicalTool: Sendable, Equatable {
    public var name: String
    public var description: String?
    public var kind: Kind

    public enum Kind: Sendable, Equatable {
        /// JSON arguments matching `parameters` (a JSON Schema; nil when the client gave none).
        case function(parameters: JSONValue?)
        /// Free-form text input; `format` is the client's grammar or text format, informational.
        case custom(format: JSONValue?)
        /// Provider-hosted web search (executed upstream, never returned as a client tool call).
        case webSearch(maxUses: Int?, userLocation: JSONValue?)
    }

    public init(name: String, description: String? = nil, kind: Kind) {
        self.name = name
        self.description = description
        self.kind = kind
    }
}

/// How the model must use tools.
public enum CanonicalToolChoice: Sendable, Equatable {
    case auto
    case none
    /// Some tool must be called.
    case required
    /// This tool must be called.
    case named(String)
}
