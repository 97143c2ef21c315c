import Foundation
import Testing

@testable import RelayCore

/// Golden fixtures under `Fixtures/golden/<category>/<case>/`.
enum Golden {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures").appendingPathComponent("golden")

    /// Case directory names in a category, sorted (evaluated when the test is discovered).
    static func cases(_ category: String) -> [String] {
        let url = root.appendingPathComponent(category)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? []
        return names.filter { !$0.hasPrefix(".") }.sorted()
    }

    static func url(_ category: String, _ name: String, _ file: String) -> URL {
        root.appendingPathComponent(category).appendingPathComponent(name).appendingPathComponent(file)
    }

    static func exists(_ category: String, _ name: String, _ file: String) -> Bool {
        FileManager.default.fileExists(atPath: url(category, name, file).path)
    }

    static func bytes(_ category: String, _ name: String, _ file: String) throws -> [UInt8] {
        Array(try Data(contentsOf: url(category, name, file)))
    }

    static func json(_ category: String, _ name: String, _ file: String) throws -> JSONValue {
        try JSONValue.parse(try bytes(category, name, file))
    }
}

/// Recursively sorts object keys so two documents compare by content, not member order.
func normalized(_ value: JSONValue) -> JSONValue {
    switch value {
    case .object(let object):
        var out = JSONObject()
        for key in object.keys.sorted() { out[key] = object[key].map(normalized) }
        return .object(out)
    case .array(let items):
        return .array(items.map(normalized))
    default:
        return value
    }
}

/// Expects structural JSON equality; on failure shows both documents with sorted keys.
func expectJSONEqual(_ actual: JSONValue, _ expected: JSONValue, _ label: String, sourceLocation: SourceLocation = #_sourceLocation) {
    let a = normalized(actual)
    let e = normalized(expected)
    #expect(a == e, "\(label)\nactual:   \(a.serialized())\nexpected: \(e.serialized())", sourceLocation: sourceLocation)
}

/// A Chat SSE output reduced to comparable items: parsed JSON payloads (keys sorted) or `[DONE]`.
enum ChatFrame: Equatable, CustomStringConvertible {
    case json(JSONValue)
    case done
    case unparseable(String)

    var description: String {
        switch self {
        case .json(let value): value.serialized()
        case .done: "[DONE]"
        case .unparseable(let text): "unparseable(\(text))"
        }
    }

    static func from(events: [SSEEvent]) -> [ChatFrame] {
        events.map { event in
            if event.data == "[DONE]" { return .done }
            if let value = try? JSONValue.parse(event.data) { return .json(normalized(value)) }
            return .unparseable(event.data)
        }
    }

    static func from(sse text: String) -> [ChatFrame] {
        var parser = SSEParser()
        return from(events: parser.feed(Array(text.utf8)) + parser.finish())
    }
}

extension TokenUsage {
    /// From a fixture's `{"input":…,"output":…,"cacheWrite":…,"cacheRead":…}`.
    init(fixture: JSONValue) {
        self.init(
            input: fixture["input"]?.intValue, output: fixture["output"]?.intValue, cacheWrite: fixture["cacheWrite"]?.intValue,
            cacheRead: fixture["cacheRead"]?.intValue, reasoning: fixture["reasoning"]?.intValue)
    }
}

extension JSONValue {
    /// Array element access for tests (nil when out of range or not an array).
    subscript(index: Int) -> JSONValue? {
        guard case .array(let items) = self, items.indices.contains(index) else { return nil }
        return items[index]
    }
}
