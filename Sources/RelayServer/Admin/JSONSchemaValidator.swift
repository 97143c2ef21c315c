import Foundation
import RelayConfig
import RelayCore
import Synchronization

/// Validates request bodies against the same JSON Schemas the OpenAPI document publishes, so
/// the document and the server cannot disagree about what is accepted.
///
/// Supports the subset the admin schemas use: `type` (string or list), `enum`, `properties`,
/// `required`, `additionalProperties` (bool or schema), `propertyNames`, `items`, `minItems`,
/// `maxItems`, `minLength`, `maxLength` (in code points), `pattern`, `minimum`, `maximum`,
/// `exclusiveMinimum`, `anyOf`, `not`, `$ref` to `#/components/schemas/…`. Problems come back as
/// field paths (`pools.claude[0].base_url`).
struct JSONSchemaValidator: Sendable {
    let components: [String: JSONValue]

    func validate(_ value: JSONValue, against schema: JSONValue, path: String = "") -> [ConfigIssue] {
        var issues: [ConfigIssue] = []
        check(value, schema, path: path, issues: &issues)
        return issues
    }

    private func resolve(_ schema: JSONValue) -> JSONValue {
        var current = schema
        var hops = 0
        while let ref = current["$ref"]?.stringValue, hops < 16 {
            let name = ref.replacingOccurrences(of: "#/components/schemas/", with: "")
            guard let target = components[name] else { return .object(JSONObject()) }
            current = target
            hops += 1
        }
        return current
    }

    private static func typeMatches(_ value: JSONValue, _ type: String) -> Bool {
        switch (type, value) {
        case ("null", .null), ("boolean", .bool), ("string", .string), ("array", .array), ("object", .object): true
        case ("number", .number(let number)): number.isFinite
        case ("integer", .number(let number)): number.isFinite && number.rounded() == number
        default: false
        }
    }

    private static func describe(_ types: [String]) -> String {
        let names = types.map { type -> String in
            switch type {
            case "integer": "an integer"
            case "object", "array": "an \(type)"
            case "null": "null"
            default: "a \(type)"
            }
        }
        return names.count == 1 ? names[0] : names.dropLast().joined(separator: ", ") + " or " + (names.last ?? "")
    }

    private func check(_ value: JSONValue, _ rawSchema: JSONValue, path: String, issues: inout [ConfigIssue]) {
        let schema = resolve(rawSchema)
        guard let rules = schema.objectValue else { return }
        if let options = rules["anyOf"]?.arrayValue {
            for option in options where validate(value, against: option, path: path).isEmpty { return }
            // Report against the first non-null option, which is the informative one.
            let informative = options.first { resolve($0)["type"]?.stringValue != "null" } ?? options.first ?? .null
            let found = validate(value, against: informative, path: path)
            issues.append(contentsOf: found.isEmpty ? [ConfigIssue(path: path, message: "has the wrong type")] : found)
            return
        }
        if let type = rules["type"] {
            let types = type.arrayValue?.compactMap(\.stringValue) ?? type.stringValue.map { [$0] } ?? []
            if !types.isEmpty, !types.contains(where: { Self.typeMatches(value, $0) }) {
                issues.append(ConfigIssue(path: path, message: "must be \(Self.describe(types))"))
                return
            }
        }
        if let allowed = rules["enum"]?.arrayValue, !allowed.contains(value) {
            let shown = allowed.count <= 12 ? allowed.map { $0.serialized() }.joined(separator: ", ") : "one of the documented values"
            issues.append(ConfigIssue(path: path, message: "must be \(shown)"))
            return
        }
        let hint = rules["description"]?.stringValue
        if let forbidden = rules["not"], validate(value, against: forbidden, path: path).isEmpty {
            issues.append(ConfigIssue(path: path, message: forbidden["description"]?.stringValue ?? hint ?? "is not allowed"))
            return
        }
        switch value {
        case .string(let text):
            let length = text.unicodeScalars.count
            if let min = rules["minLength"]?.intValue, length < min {
                issues.append(ConfigIssue(path: path, message: min == 1 ? "must not be empty" : "must be at least \(min) characters"))
            }
            if let max = rules["maxLength"]?.intValue, length > max {
                issues.append(ConfigIssue(path: path, message: "must be at most \(max) characters"))
            }
            if let pattern = rules["pattern"]?.stringValue, !PatternCache.shared.matches(pattern, text) {
                issues.append(ConfigIssue(path: path, message: hint ?? "has an invalid format"))
            }
        case .number(let number):
            if let min = rules["minimum"]?.numberValue, number < min {
                issues.append(ConfigIssue(path: path, message: "must be at least \(JSONValue.number(min).serialized())"))
            }
            if let min = rules["exclusiveMinimum"]?.numberValue, number <= min {
                issues.append(ConfigIssue(path: path, message: "must be greater than \(JSONValue.number(min).serialized())"))
            }
            if let max = rules["maximum"]?.numberValue, number > max {
                issues.append(ConfigIssue(path: path, message: "must be at most \(JSONValue.number(max).serialized())"))
            }
        case .array(let items):
            if let min = rules["minItems"]?.intValue, items.count < min {
                issues.append(ConfigIssue(path: path, message: "must have at least \(min) entries"))
            }
            if let max = rules["maxItems"]?.intValue, items.count > max {
                issues.append(ConfigIssue(path: path, message: "must have at most \(max) entries"))
            }
            if let itemSchema = rules["items"] {
                for (index, item) in items.enumerated() { check(item, itemSchema, path: "\(path)[\(index)]", issues: &issues) }
            }
        case .object(let object):
            let properties = rules["properties"]?.objectValue ?? JSONObject()
            for name in rules["required"]?.arrayValue?.compactMap(\.stringValue) ?? [] where object[name] == nil {
                issues.append(ConfigIssue(path: Self.join(path, name), message: "required key is missing"))
            }
            for member in object.members {
                let memberPath = Self.join(path, member.key)
                if let names = rules["propertyNames"] {
                    let found = validate(.string(member.key), against: names, path: memberPath)
                    if !found.isEmpty {
                        issues.append(ConfigIssue(path: memberPath, message: "is not an allowed key here"))
                        continue
                    }
                }
                if let propertySchema = properties[member.key] {
                    check(member.value, propertySchema, path: memberPath, issues: &issues)
                } else if let additional = rules["additionalProperties"] {
                    if additional == .bool(false) {
                        let known = properties.keys.sorted().joined(separator: ", ")
                        issues.append(ConfigIssue(path: memberPath, message: known.isEmpty ? "unknown key" : "unknown key; known keys: \(known)"))
                    } else if additional.objectValue != nil {
                        check(member.value, additional, path: memberPath, issues: &issues)
                    }
                }
            }
        default:
            break
        }
    }

    static func join(_ path: String, _ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }
}

/// Compiled patterns, shared. JSON Schema patterns are ECMA-262; the ones used here are written
/// in the common subset, and a final `$` is made strict (ICU's `$` also matches before a final
/// newline, ECMA's does not).
final class PatternCache: Sendable {
    static let shared = PatternCache()
    private let compiled = Mutex<[String: NSRegularExpression]>([:])

    func matches(_ pattern: String, _ text: String) -> Bool {
        compiled.withLock { cache -> Bool in
            let expression: NSRegularExpression
            if let cached = cache[pattern] {
                expression = cached
            } else {
                var icu = pattern
                if icu.hasSuffix("$"), !icu.hasSuffix("\\$") { icu = String(icu.dropLast()) + "\\z" }
                guard let made = try? NSRegularExpression(pattern: icu) else { return false }
                cache[pattern] = made
                expression = made
            }
            let range = NSRange(text.startIndex..<text.endIndex, in: text)
            return expression.firstMatch(in: text, options: [], range: range) != nil
        }
    }
}
