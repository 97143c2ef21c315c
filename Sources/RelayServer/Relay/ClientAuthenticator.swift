public import HTTPTypes
public import RelayConfig

/// Finds the client behind a request's credential.
///
/// Accepts `Authorization: Bearer <key>` (Claude Code's `ANTHROPIC_AUTH_TOKEN`, Codex, OpenAI
/// SDKs) and `x-api-key` (`ANTHROPIC_API_KEY`). Every configured key is compared in constant
/// time, all of them on every call, so timing reveals neither a key nor which one matched.
public enum ClientAuthenticator {
    public enum Outcome: Sendable {
        case authenticated(ClientCredential)
        case missing
        case invalid
    }

    public static func authenticate(_ headers: HTTPFields, clients: [ClientCredential]) -> Outcome {
        var presented: String?
        if let authorization = headers[.authorization] {
            let parts = authorization.split(separator: " ", maxSplits: 1)
            if parts.count == 2, parts[0].lowercased() == "bearer" {
                presented = String(parts[1]).trimmingSpaces()
            }
        }
        if presented == nil || presented?.isEmpty == true, let name = HTTPField.Name("x-api-key"), let key = headers[name] {
            presented = key.trimmingSpaces()
        }
        guard let presented, !presented.isEmpty else { return .missing }
        let candidate = Array(presented.utf8)
        var match: ClientCredential?
        for client in clients where constantTimeEquals(candidate, client.key) && match == nil {
            match = client
        }
        return match.map(Outcome.authenticated) ?? .invalid
    }

    /// Compares two byte strings in time that depends only on their lengths.
    static func constantTimeEquals(_ lhs: [UInt8], _ rhs: [UInt8]) -> Bool {
        var difference = UInt8(truncatingIfNeeded: lhs.count ^ rhs.count)
        let length = max(lhs.count, rhs.count)
        for index in 0..<length {
            let left = index < lhs.count ? lhs[index] : 0
            let right = index < rhs.count ? rhs[index] : 0xFF
            difference |= left ^ right
        }
        return difference == 0
    }
}

extension String {
    func trimmingSpaces() -> String {
        var slice = Substring(self)
        while let first = slice.first, first == " " || first == "\t" { slice.removeFirst() }
        while let last = slice.last, last == " " || last == "\t" { slice.removeLast() }
        return String(slice)
    }
}
