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
