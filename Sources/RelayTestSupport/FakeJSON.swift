import Foundation

/// A JSON value whose objects keep their keys in the order they were written.
///
/// The fake writes its answers with it so the output reads like the real APIs (`"type"` first) and
/// is byte-stable between runs; it reads request bodies with it too (input key order is not kept,
/// nothing depends on it).
enum FakeJSON: Sendable {
    case null
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    case array([FakeJSON])
    case object([(String, FakeJSON)])

    // MARK: Reading

    /// Parses a request body; `nil` when it is not JSON.
    static func parse(_ bytes: [UInt8]) -> FakeJSON? {
        try? JSONDecoder().decode(FakeJSON.self, from: Data(bytes))
    }

    /// The value under `key` when this is an object.
    subscript(key: String) -> FakeJSON? {
        guard case .object(let pairs) = self else { return nil }
        return pairs.first { $0.0 == key }?.1
    }

    var stringValue: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    var arrayValue: [FakeJSON]? {
        if case .array(let value) = self { return value }
        return nil
    }

    var boolValue: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }

    var isObject: Bool {
        if case .object = self { return true }
        return false
    }

    // MARK: Writing

    /// Compact JSON text (no spaces), keys in insertion order.
    var serialized: String {
        var out = ""
        out.reserveCapacity(256)
        write(into: &out)
        return out
    }

    private func write(into out: inout String) {
        switch self {
        case .null:
            out += "null"
        case .bool(let value):
            out += value ? "true" : "false"
        case .int(let value):
            out += String(value)
        case .double(let value):
            out += value.isFinite ? String(value) : "null"
        case .string(let value):
            Self.writeString(value, into: &out)
        case .array(let values):
            out += "["
            for (index, value) in values.enumerated() {
                if index > 0 { out += "," }
                value.write(into: &out)
            }
            out += "]"
        case .object(let pairs):
            out += "{"
            for (index, pair) in pairs.enumerated() {
                if index > 0 { out += "," }
                Self.writeString(pair.0, into: &out)
                out += ":"
                pair.1.write(into: &out)
            }
            out += "}"
        }
    }

    private static func writeString(_ value: String, into out: inout String) {
        out += "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        out += "\""
    }
}

extension FakeJSON: Decodable {
    private struct DynamicKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    init(from decoder: any Decoder) throws {
        if let keyed = try? decoder.container(keyedBy: DynamicKey.self) {
            var pairs: [(String, FakeJSON)] = []
            pairs.reserveCapacity(keyed.allKeys.count)
            for key in keyed.allKeys {
                pairs.append((key.stringValue, try keyed.decode(FakeJSON.self, forKey: key)))
            }
            self = .object(pairs)
            return
        }
        if var unkeyed = try? decoder.unkeyedContainer() {
            var values: [FakeJSON] = []
            while !unkeyed.isAtEnd {
                values.append(try unkeyed.decode(FakeJSON.self))
            }
            self = .array(values)
            return
        }
        let single = try decoder.singleValueContainer()
        if single.decodeNil() {
            self = .null
        } else if let value = try? single.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? single.decode(Int.self) {
            self = .int(value)
        } else if let value = try? single.decode(Double.self) {
            self = .double(value)
        } else {
            self = .string(try single.decode(String.self))
        }
    }
}

extension FakeJSON: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral, ExpressibleByNilLiteral, ExpressibleByFloatLiteral
{
    typealias Key = String
    typealias Value = FakeJSON

    init(stringLiteral value: String) { self = .string(value) }
    init(integerLiteral value: Int) { self = .int(value) }
    init(booleanLiteral value: Bool) { self = .bool(value) }
    init(floatLiteral value: Double) { self = .double(value) }
    init(arrayLiteral elements: FakeJSON...) { self = .array(elements) }
    init(dictionaryLiteral elements: (String, FakeJSON)...) { self = .object(elements) }
    init(nilLiteral: ()) { self = .null }
}
