/// A client request the relay refuses to translate: a value it cannot represent upstream, or a
/// malformed field. Carries the JSON path of the offending parameter so the client can fix it.
///
/// Always a client error (4xx); never a reason to fail over, since every upstream would get the
/// same translation. Rendered in OpenAI's error shape because the Chat route is the boundary.
public struct WireError: Error, Sendable, Equatable, CustomStringConvertible {
    public var status: Int
    /// The JSON path of the parameter, e.g. `messages[2].content[1].image_url.url`.
    public var param: String?
    /// A stable machine code: `unsupported_parameter`, `invalid_value`, `invalid_type`, `missing_required_parameter`.
    public var code: String
    /// A human message that names the parameter and says what to do.
    public var message: String

    public init(status: Int = 400, param: String?, code: String, message: String) {
        self.status = status
        self.param = param
        self.code = code
        self.message = message
    }

    public var description: String { "\(status) \(code) at \(param ?? "body"): \(message)" }

    /// `{"error":{"message","type":"invalid_request_error","param","code"}}` as OpenAI's SDKs parse it.
    public var openAIBody: JSONValue {
        let error: JSONObject = [
            "message": .string(message), "type": "invalid_request_error",
            "param": param.map(JSONValue.string) ?? .null, "code": .string(code),
        ]
        return .object(["error": .object(error)])
    }

    static func unsupported(_ param: String, _ message: String) -> WireError {
        WireError(param: param, code: "unsupported_parameter", message: "\(param): \(message)")
    }

    static func invalidValue(_ param: String, _ message: String) -> WireError {
        WireError(param: param, code: "invalid_value", message: "\(param): \(message)")
    }

    static func invalidType(_ param: String, expected: String, got value: JSONValue) -> WireError {
        WireError(param: param, code: "invalid_type", message: "\(param): expected \(expected), got \(value.typeName)")
    }

    static func missing(_ param: String) -> WireError {
        WireError(param: param, code: "missing_required_parameter", message: "\(param): required")
    }
}
