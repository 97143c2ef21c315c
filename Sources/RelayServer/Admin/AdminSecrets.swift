import Foundation
import RelayConfig
import RelayCore

/// Secrets are write-only on the admin surface (RELIABILITY.md §3.3).
///
/// - Out: every secret field (`key`, `*_key`, `*_token`, `*_secret`, `password`) shows as
///   `SecretMask.mask` (`****abcd`); a password inside a URL (`http://user:pass@proxy`) shows as
///   `****`; `token_sha256` is left out entirely.
/// - In: a masked value sent back means "keep the stored one". It is matched to the stored
///   secret at the same path, else to the one whose entry has the same `name`, else to the only
///   stored secret with that mask; otherwise the request is refused with the field's path.
enum AdminSecrets {
    static func isSecretField(_ name: String) -> Bool {
        let lower = name.lowercased()
        if ["key", "token", "secret", "password", "api_key"].contains(lower) { return true }
        return ["_key", "_token", "_secret", "_password"].contains { lower.hasSuffix($0) }
    }

    static let hiddenFields: Set<String> = ["token_sha256"]

    /// A copy of `value` with every secret masked.
    static func mask(_ value: JSONValue, field: String? = nil) -> JSONValue {
        switch value {
        case .string(let text):
            if let field, isSecretField(field) { return .string(SecretMask.mask(text)) }
            if let masked = maskURLCredentials(text) { return .string(masked) }
            return value
        case .array(let items):
            return .array(items.map { mask($0, field: field) })
        case .object(let object):
            var out = JSONObject()
            for member in object.members where !hiddenFields.contains(member.key) {
                out[member.key] = mask(member.value, field: member.key)
            }
            return .object(out)
        default:
            return value
        }
    }

    /// `scheme://user:****@host…` (or `scheme://****@host…`) when the URL carries credentials.
    static func maskURLCredentials(_ text: String) -> String? {
        guard let schemeEnd = text.range(of: "://") else { return nil }
        let rest = text[schemeEnd.upperBound...]
        let authorityEnd = rest.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) ?? rest.endIndex
        let authority = rest[..<authorityEnd]
        guard let at = authority.lastIndex(of: "@") else { return nil }
        let userInfo = authority[..<at]
        let masked: String
        if let colon = userInfo.firstIndex(of: ":") {
            masked = String(userInfo[..<colon]) + ":****"
        } else {
            masked = "****"
        }
        return String(text[..<schemeEnd.upperBound]) + masked + String(rest[at...])
    }

    /// True for what `mask` produces: `****` plus at most four characters, or a URL with masked credentials.
    static func looksMasked(_ text: String, field: String?) -> Bool {
        if let field, isSecretField(field) { return text.hasPrefix("****") && text.count <= 8 }
        return text.contains(":****@") || text.contains("://****@")
    }

    private struct Stored {
        var path: String
        var field: String
        var ownerName: String?
        var value: String
        var masked: String
    }

    /// Replaces masked values in `new` by the stored secrets of `stored` (both full, unmasked
    /// config documents apart from what the client sent).
    static func restore(_ new: JSONValue, stored: JSONValue) -> (JSONValue, [ConfigIssue]) {
        var secrets: [Stored] = []
        collect(stored, path: "", field: nil, ownerName: nil, into: &secrets)
        var byPath: [String: Stored] = [:]
        for secret in secrets { byPath[secret.path] = secret }
        var issues: [ConfigIssue] = []
        let restored = restore(new, path: "", field: nil, ownerName: nil, secrets: secrets, byPath: byPath, issues: &issues)
        return (restored, issues)
    }

    private static func collect(_ value: JSONValue, path: String, field: String?, ownerName: String?, into secrets: inout [Stored]) {
        switch value {
        case .string(let text):
            if let field, isSecretField(field) {
                secrets.append(Stored(path: path, field: field, ownerName: ownerName, value: text, masked: SecretMask.mask(text)))
            } else if let masked = maskURLCredentials(text) {
                secrets.append(Stored(path: path, field: field ?? "", ownerName: ownerName, value: text, masked: masked))
            }
        case .array(let items):
            for (index, item) in items.enumerated() {
                collect(item, path: "\(path)[\(index)]", field: field, ownerName: ownerName, into: &secrets)
            }
        case .object(let object):
            let name = object["name"]?.stringValue
            for member in object.members {
                collect(member.value, path: JSONSchemaValidator.join(path, member.key), field: member.key, ownerName: name, into: &secrets)
            }
        default:
            break
        }
    }

    private static func restore(
        _ value: JSONValue, path: String, field: String?, ownerName: String?, secrets: [Stored], byPath: [String: Stored],
        issues: inout [ConfigIssue]
    ) -> JSONValue {
        switch value {
        case .string(let text):
            guard looksMasked(text, field: field) else { return value }
            if let same = byPath[path], same.masked == text { return .string(same.value) }
            let candidates = secrets.filter { $0.masked == text && $0.field == (field ?? "") }
            if let ownerName {
                let named = candidates.filter { $0.ownerName == ownerName }
                if named.count == 1 { return .string(named[0].value) }
            }
            if candidates.count == 1 { return .string(candidates[0].value) }
            if Set(candidates.map(\.value)).count == 1, let only = candidates.first { return .string(only.value) }
            issues.append(
                ConfigIssue(
                    path: path,
                    message: candidates.isEmpty
                        ? "is a masked value that matches no stored secret; send the full value"
                        : "is a masked value that matches several stored secrets; send the full value"))
            return value
        case .array(let items):
            return .array(
                items.enumerated().map { index, item in
                    restore(item, path: "\(path)[\(index)]", field: field, ownerName: ownerName, secrets: secrets, byPath: byPath, issues: &issues)
                })
        case .object(let object):
            let name = object["name"]?.stringValue
            var out = JSONObject()
            for member in object.members {
                out[member.key] = restore(
                    member.value, path: JSONSchemaValidator.join(path, member.key), field: member.key, ownerName: name, secrets: secrets,
                    byPath: byPath, issues: &issues)
            }
            return .object(out)
        default:
            return value
        }
    }
}
