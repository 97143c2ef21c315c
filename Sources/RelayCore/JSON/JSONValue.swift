import Foundation

/// A JSON document as a value type.
///
/// Used where the relay must look at a few fields of a body it otherwise forwards untouched
/// (the model name, `stream`) and for the config file, whose validation reports field paths.
/// Object member order is preserved so a re-encoded document stays recognisable.
public enum JSONValue: Sendable, Hashable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object(JSONObject)

    public subscript(key: String) -> JSONValue? {
        if case .object(let object) = self { return object[key] }
        return nil
    }

    public var stringValue: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    public var boolValue: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }

    public var numberValue: Double? {
        if case .number(let value) = self { return value }
        return nil
    }

    /// An integral number that fits in `Int`; nil for fractions and other types.
    public var intValue: Int? {
        guard case .number(let value) = self, value.rounded() == value, abs(value) < 9.0e15 else { return nil }
        return Int(value)
    }

    public var arrayValue: [JSONValue]? {
        if case .array(let value) = self { return value }
        return nil
    }

    public var objectValue: JSONObject? {
        if case .object(let value) = self { return value }
        return nil
    }

    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    /// Name of the JSON type, for validation messages.
    public var typeName: String {
        switch self {
        case .null: "null"
        case .bool: "boolean"
        case .number: "number"
        case .string: "string"
        case .array: "array"
        case .object: "object"
        }
    }
}

/// A JSON object that keeps its members in document order.
///
/// Stored as one array of members in order. Objects in request and response bodies are small
/// (a message has 2–6 members, a body under 20), where a linear scan beats hashing every key;
/// an object that grows past ``indexThreshold`` members also keeps a key → position index so a
/// hostile body with thousands of members stays linear to parse. Equality and hashing look at
/// the members in order (as before: two objects with the same members in another order differ).
public struct JSONObject: Sendable, Hashable {
    struct Member: Sendable, Hashable {
        var key: String
        var value: JSONValue
    }

    /// Members in document order, each key once.
    private(set) var storage: [Member] = []
    /// Key → position in `storage`, only once `storage.count > indexThreshold`.
    private var index: [String: Int]?

    static let indexThreshold = 16

    public init() {}

    /// Member names in document order.
    public var keys: [String] { storage.map(\.key) }

    public subscript(key: String) -> JSONValue? {
        get {
            guard let position = position(of: key) else { return nil }
            return storage[position].value
        }
        set {
            if let newValue {
                if let position = position(of: key) {
                    storage[position].value = newValue
                } else {
                    append(key, newValue)
                }
            } else if let position = position(of: key) {
                storage.remove(at: position)
                if index != nil { rebuildIndex() }
            }
        }
    }

    public var members: [(key: String, value: JSONValue)] {
        storage.map { ($0.key, $0.value) }
    }

    public var isEmpty: Bool { storage.isEmpty }

    public var count: Int { storage.count }

    /// Adds a member known to be new (the caller checked `self[key] == nil`).
    private mutating func append(_ key: String, _ value: JSONValue) {
        storage.append(Member(key: key, value: value))
        if index != nil {
            index?[key] = storage.count - 1
        } else if storage.count > Self.indexThreshold {
            rebuildIndex()
        }
    }

    private mutating func rebuildIndex() {
        var built: [String: Int] = [:]
        built.reserveCapacity(storage.count)
        for (position, member) in storage.enumerated() { built[member.key] = position }
        index = built
    }

    private func position(of key: String) -> Int? {
        if let index { return index[key] }
        for position in storage.indices where storage[position].key == key { return position }
        return nil
    }

    public static func == (lhs: JSONObject, rhs: JSONObject) -> Bool {
        lhs.storage == rhs.storage
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(storage)
    }
}

extension JSONValue: ExpressibleByStringLiteral, ExpressibleByBooleanLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral, ExpressibleByNilLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(integerLiteral value: Int) { self = .number(Double(value)) }
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    public init(nilLiteral: ()) { self = .null }
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self = .object(JSONObject(members: elements))
    }
}

extension JSONObject: ExpressibleByDictionaryLiteral {
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self.init(members: elements)
    }

    /// Members in order; a repeated key keeps its first position and takes the last value.
    init(members elements: [(String, JSONValue)]) {
        self.init()
        storage.reserveCapacity(elements.count)
        for (key, value) in elements { self[key] = value }
    }
}
