import Testing

@testable import RelayCore

@Suite struct JSONTests {
    @Test func roundTripKeepsOrderAndUnicode() throws {
        let text = #"{"b":1,"a":[true,false,null,"x\"y\n\u00e9\ud83d\ude00"],"c":{"z":1.5,"y":-2}}"#
        let value = try JSONValue.parse(text)
        #expect(value.objectValue?.keys == ["b", "a", "c"])
        #expect(value["a"]?.arrayValue?[3].stringValue == "x\"y\né😀")
        #expect(try JSONValue.parse(value.serialized()) == value)
        #expect(value["c"]?["y"]?.intValue == -2)
    }

    @Test func rejectsMalformedAndTooDeep() {
        #expect(throws: JSONParseError.self) { try JSONValue.parse("{\"a\":}") }
        #expect(throws: JSONParseError.self) { try JSONValue.parse("[1,2") }
        #expect(throws: JSONParseError.self) { try JSONValue.parse(String(repeating: "[", count: 600) + String(repeating: "]", count: 600)) }
    }

    @Test func stringsWithAndWithoutEscapes() throws {
        #expect(try JSONValue.parse(#""plain text""#) == "plain text")
        #expect(try JSONValue.parse(#""""#) == "")
        #expect(try JSONValue.parse(#""a\/b\\c\"d\b\f\n\r\t""#) == "a/b\\c\"d\u{08}\u{0C}\n\r\t")
        #expect(try JSONValue.parse(#""caf\u00e9 ☕ \u2603""#) == "café ☕ ☃")
        // Lone surrogates become U+FFFD, as before.
        #expect(try JSONValue.parse(#""\ud800x""#) == "\u{FFFD}x")
        #expect(try JSONValue.parse(#""\ud800\u0041""#) == "\u{FFFD}A")
        // Invalid UTF-8 is refused with or without escapes in the same string.
        for bytes: [UInt8] in [[0x22, 0xC3, 0x22], [0x22, 0x5C, 0x6E, 0xFF, 0x22], [0x22, 0xE2, 0x82, 0x5C, 0x6E, 0x22]] {
            #expect(throws: JSONParseError.self) { try JSONValue.parse(bytes) }
        }
        #expect(throws: JSONParseError.self) { try JSONValue.parse("\"a\u{01}b\"") }
        #expect(throws: JSONParseError.self) { try JSONValue.parse(#""\x""#) }
        #expect(throws: JSONParseError.self) { try JSONValue.parse(#""abc"#) }
    }

    @Test func numbersPlainAndOther() throws {
        #expect(try JSONValue.parse("0") == .number(0))
        #expect(try JSONValue.parse("-42") == .number(-42))
        #expect(try JSONValue.parse("123456789012345") == .number(123_456_789_012_345))
        #expect(try JSONValue.parse("12345678901234567890") == .number(12_345_678_901_234_567_890))
        #expect(try JSONValue.parse("1.5") == .number(1.5))
        #expect(try JSONValue.parse("-2.5e3") == .number(-2500))
        #expect(try JSONValue.parse("[1e2,3]") == [100, 3])
        for bad in ["-", "1-2", ".5e", "1..2", "tru", "nul"] {
            #expect(throws: JSONParseError.self, "\(bad)") { try JSONValue.parse(bad) }
        }
        #expect(JSONValue.number(-7).serialized() == "-7")
        #expect(JSONValue.number(1_700_000_000).serialized() == "1700000000")
        #expect(JSONValue.number(0.25).serialized() == "0.25")
    }

    @Test func parsesAnyCollectionOfBytes() throws {
        let bytes = Array(#"{"a":[1,"x"]}"#.utf8)
        let expected: JSONValue = ["a": [1, "x"]]
        #expect(try JSONValue.parse(bytes) == expected)
        #expect(try JSONValue.parse(bytes[...]) == expected)
        #expect(try JSONValue.parse(bytes.lazy.map { $0 }) == expected, "not contiguous: copied first")
        #expect(try bytes.withUnsafeBytes { try JSONValue.parse($0) } == expected)
    }

    @Test func objectMembersKeepOrderAndRepeatedNamesTakeTheLastValue() throws {
        let value = try JSONValue.parse(#"{"b":1,"a":2,"b":3}"#)
        #expect(value.objectValue?.keys == ["b", "a"])
        #expect(value["b"] == 3)
        // Equality looks at the order, as it always did.
        #expect(try JSONValue.parse(#"{"a":1,"b":2}"#) != JSONValue.parse(#"{"b":2,"a":1}"#))
        #expect(try JSONValue.parse(#"{"a":1,"b":2}"#) == JSONValue.parse(#"{ "a" : 1 , "b" : 2 }"#))
    }

    @Test func largeObjectsKeepOrderThroughEdits() throws {
        // Past the linear-scan size the object keeps an index: lookups, replacement and removal
        // must behave exactly as for small objects.
        var object = JSONObject()
        for index in 0..<40 { object["k\(index)"] = .number(Double(index)) }
        #expect(object.count == 40)
        #expect(object["k33"] == 33)
        object["k5"] = "five"
        object["k0"] = nil
        object["k39"] = nil
        object["new"] = true
        #expect(object.keys.first == "k1")
        #expect(object.keys.last == "new")
        #expect(object.count == 39)
        #expect(object["k5"] == "five")
        #expect(object["k0"] == nil)
        #expect(object["k38"] == 38)
        #expect(object["new"] == true)
        var small = JSONObject()
        for key in object.keys { small[key] = object[key] }
        #expect(small == object)
        #expect(Set([small, object]).count == 1)
        let text = JSONValue.object(object).serialized()
        #expect(try JSONValue.parse(text) == .object(object))
        #expect(try JSONValue.parse(text).objectValue?.keys == object.keys)
        let big = "{" + (0..<5000).map { #""m\#($0)":\#($0)"# }.joined(separator: ",") + #","m7":"again"}"#
        let parsed = try JSONValue.parse(big)
        #expect(parsed.objectValue?.count == 5000)
        #expect(parsed["m7"] == "again")
        #expect(parsed["m4999"] == 4999)
    }

    @Test func scannerFindsTopLevelFieldsOnly() {
        let body = #"{"messages":[{"model":"inner","stream":false,"text":"a \"quoted\" {brace"}],"model":"claude-sonnet-4-5","metadata":{"stream":false},"stream":true}"#
        let fields = Array(body.utf8).withUnsafeBytes { JSONFieldScanner.topLevelFields(["model", "stream"], in: $0) }
        #expect(fields?["model"]?.stringValue == "claude-sonnet-4-5")
        #expect(fields?["stream"]?.boolValue == true)
        #expect(Array("[1]".utf8).withUnsafeBytes { JSONFieldScanner.topLevelFields(["model"], in: $0) } == nil)
    }

    @Test func dialectErrorBodies() throws {
        let anthropic = try JSONValue.parse(ClientDialect.anthropic.errorBody(status: 401, code: "invalid_api_key", message: "m", requestID: "r"))
        #expect(anthropic["type"]?.stringValue == "error")
        #expect(anthropic["error"]?["type"]?.stringValue == "authentication_error")
        #expect(anthropic["request_id"]?.stringValue == "r")
        let openAI = try JSONValue.parse(ClientDialect.openAI.errorBody(status: 413, code: "request_too_large", message: "m", requestID: nil))
        #expect(openAI["error"]?["code"]?.stringValue == "request_too_large")
        #expect(openAI["error"]?["type"]?.stringValue == "invalid_request_error")
    }
}

@Suite struct ModelRenameTests {
    @Test func replacesOnlyTheTopLevelModelBytes() throws {
        let body = #"{"messages":[{"model":"inner"}],"model" : "gpt-5-codex","stream":true}"#
        let renamed = try #require(Array(body.utf8).withUnsafeBytes { JSONFieldScanner.replacingTopLevelString("model", with: "gpt-5.1", in: $0) })
        #expect(String(decoding: renamed, as: UTF8.self) == #"{"messages":[{"model":"inner"}],"model" : "gpt-5.1","stream":true}"#)
        #expect(Array(#"{"stream":true}"#.utf8).withUnsafeBytes { JSONFieldScanner.replacingTopLevelString("model", with: "x", in: $0) } == nil)
    }
}
