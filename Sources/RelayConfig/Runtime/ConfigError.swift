/// One problem in a config file, with the JSON path of the field (`pools.claude[1].base_url`).
public struct ConfigIssue: Error, Sendable, Equatable, CustomStringConvertible {
    public var path: String
    public var message: String

    public init(path: String, message: String) {
        self.path = path
        self.message = message
    }

    public var description: String { path.isEmpty ? message : "\(path): \(message)" }
}

/// A config that cannot be used. A bad file never replaces a running config.
public struct ConfigError: Error, Sendable, CustomStringConvertible {
    public var issues: [ConfigIssue]
    public var file: String?

    public init(issues: [ConfigIssue], file: String? = nil) {
        self.issues = issues
        self.file = file
    }

    public init(path: String, _ message: String, file: String? = nil) {
        self.init(issues: [ConfigIssue(path: path, message: message)], file: file)
    }

    public var description: String {
        let head = file.map { "invalid config \($0)" } ?? "invalid config"
        return head + ":\n" + issues.map { "  - \($0)" }.joined(separator: "\n")
    }
}

extension ConfigError {
    /// Converts a Codable failure into the field path users see in their file.
    static func from(decoding error: any Error, file: String?) -> ConfigError {
        guard let error = error as? DecodingError else {
            return ConfigError(path: "", "\(error)", file: file)
        }
        func path(_ codingPath: [any CodingKey]) -> String {
            var out = ""
            for key in codingPath {
                if let index = key.intValue {
                    out += "[\(index)]"
                } else {
                    out += out.isEmpty ? key.stringValue : ".\(key.stringValue)"
                }
            }
            return out
        }
        switch error {
        case .typeMismatch(let type, let context):
            return ConfigError(path: path(context.codingPath), "expected \(describe(type))", file: file)
        case .valueNotFound(let type, let context):
            return ConfigError(path: path(context.codingPath), "expected \(describe(type)), found null", file: file)
        case .keyNotFound(let key, let context):
            return ConfigError(path: path(context.codingPath + [key]), "required key is missing", file: file)
        case .dataCorrupted(let context):
            let detail = context.underlyingError.map { "\($0)" } ?? context.debugDescription
            return ConfigError(path: path(context.codingPath), detail, file: file)
        @unknown default:
            return ConfigError(path: "", "\(error)", file: file)
        }
    }

    private static func describe(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Int.Type: "an integer"
        case is Double.Type: "a number"
        case is Bool.Type: "a boolean"
        default: "\(type)".contains("Array") ? "an array" : "\(type)"
        }
    }
}
