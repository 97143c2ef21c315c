import Foundation

/// Decodes an OpenAI Chat Completions request body (PROTOCOLS.md §3.2–3.3) into the canonical
/// model, validating as it goes so every refusal names its JSON path.
///
/// Policy (§5.1): what Anthropic cannot do and the client would notice (`n > 1`, `logprobs`,
/// audio, unknown content parts) is a ``WireError``; parameters with no upstream meaning (`seed`,
/// penalties, unknown fields) are dropped and listed in ``DecodedChatRequest/dropped``.
public enum ChatRequestDecoder {
    static let reasoningEfforts: Set<String> = ["none", "minimal", "low", "medium", "high", "xhigh", "max"]

    public static func decode(_ body: JSONValue) throws(WireError) -> DecodedChatRequest {
        guard case .object(let root) = body else {
            throw WireError(param: nil, code: "invalid_type", message: "the request body must be a JSON object")
        }
        var state = DecodeState()
        // Members that are null count as absent.
        var fields = JSONObject()
        for (key, value) in root.members where !value.isNull {
            fields[key] = value
            if !handledFields.contains(key) { state.dropped.append(key) }
        }

        guard let modelValue = fields["model"] else { throw .missing("model") }
        guard let model = modelValue.stringValue, !model.isEmpty else {
            throw .invalidType("model", expected: "a non-empty string", got: modelValue)
        }
        var request = CanonicalRequest(model: model)

        try rejectUnsupported(fields)

        request.stream = try bool(fields["stream"], "stream") ?? false
        if let options = fields["stream_options"] {
            guard case .object(let object) = options else { throw .invalidType("stream_options", expected: "an object", got: options) }
            for (key, value) in object.members where !value.isNull {
                if key == "include_usage" {
                    request.includeUsage = try bool(value, "stream_options.include_usage") ?? false
                } else {
                    state.dropped.append("stream_options.\(key)")
                }
            }
            if !request.stream { request.includeUsage = false }
        }

        // Output cap: max_completion_tokens is the current name; it wins over the deprecated one.
        let maxCompletion = try positiveInt(fields["max_completion_tokens"], "max_completion_tokens")
        let maxTokens = try positiveInt(fields["max_tokens"], "max_tokens")
        request.maxOutputTokens = maxCompletion ?? maxTokens
        if maxCompletion != nil, maxTokens != nil { state.dropped.append("max_tokens (max_completion_tokens wins)") }

        if let value = fields["temperature"] {
            guard let number = value.numberValue else { throw .invalidType("temperature", expected: "a number", got: value) }
            guard number >= 0 else { throw .invalidValue("temperature", "must be between 0 and 2") }
            request.temperature = number
        }
        if let value = fields["top_p"] {
            guard let number = value.numberValue else { throw .invalidType("top_p", expected: "a number", got: value) }
            guard number >= 0 else { throw .invalidValue("top_p", "must be between 0 and 1") }
            request.topP = min(number, 1)
        }
        if let value = fields["stop"] {
            let stops: [String]
            switch value {
            case .string(let text): stops = [text]
            case .array(let items):
                stops = try items.enumerated().map { (index, item) throws(WireError) -> String in
                    guard let text = item.stringValue else { throw .invalidType("stop[\(index)]", expected: "a string", got: item) }
                    return text
                }
            default: throw .invalidType("stop", expected: "a string or an array of strings", got: value)
            }
            request.stopSequences = stops.filter { !isBlank($0) }
            if request.stopSequences.count < stops.count { state.dropped.append("stop (whitespace-only entries)") }
        }
        if let value = fields["reasoning_effort"] {
            guard let effort = value.stringValue else { throw .invalidType("reasoning_effort", expected: "a string", got: value) }
            guard reasoningEfforts.contains(effort) else {
                throw .invalidValue("reasoning_effort", "must be one of none, minimal, low, medium, high, xhigh, max")
            }
            request.reasoning = CanonicalReasoning(effort: effort, source: .effort)
        }
        request.userID = try userID(fields, &state)

        request.tools = try tools(fields, &state)
        if let search = try webSearchTool(fields["web_search_options"]) { request.tools.append(search) }
        request.toolChoice = try toolChoice(fields, tools: &request.tools)
        if let value = fields["parallel_tool_calls"] {
            request.parallelToolCalls = try bool(value, "parallel_tool_calls")
        }
        request.outputFormat = try outputFormat(fields["response_format"])

        guard let messagesValue = fields["messages"] else { throw .missing("messages") }
        guard case .array(let messages) = messagesValue else {
            throw .invalidType("messages", expected: "an array", got: messagesValue)
        }
        try decodeMessages(messages, into: &request, state: &state)
        return DecodedChatRequest(request: request, dropped: state.dropped)
    }

    /// Fields this decoder reads. Everything else (`seed`, `logit_bias`, penalties, `store`,
    /// `metadata`, `service_tier`, `verbosity`, `prediction`, `prompt_cache_key`, unknown fields)
    /// is dropped and listed.
    static let handledFields: Set<String> = [
        "model", "messages", "stream", "stream_options", "max_tokens", "max_completion_tokens", "temperature", "top_p",
        "stop", "reasoning_effort", "user", "safety_identifier", "tools", "functions", "tool_choice", "function_call",
        "parallel_tool_calls", "response_format", "web_search_options", "n", "logprobs", "top_logprobs", "audio",
        "modalities",
    ]

    struct DecodeState {
        var dropped: [String] = []
        /// Legacy `function_call` ids by function name, so a following `function` message finds its call.
        var legacyCallIDs: [String: String] = [:]
    }

    // MARK: - Parameters Anthropic cannot honour

    static func rejectUnsupported(_ fields: JSONObject) throws(WireError) {
        if let value = fields["n"] {
            guard let n = value.intValue else { throw .invalidType("n", expected: "an integer", got: value) }
            if n != 1 {
                throw .unsupported("n", "only n=1 is supported: Anthropic upstreams return one choice per request; send \(n) requests instead")
            }
        }
        if let value = fields["logprobs"] {
            guard let flag = value.boolValue else { throw .invalidType("logprobs", expected: "a boolean", got: value) }
            if flag { throw .unsupported("logprobs", "log probabilities are not available from Anthropic upstreams; remove logprobs") }
        }
        if let value = fields["top_logprobs"], value.intValue != 0 {
            throw .unsupported("top_logprobs", "log probabilities are not available from Anthropic upstreams; remove top_logprobs")
        }
        if fields["audio"] != nil {
            throw .unsupported("audio", "audio output is not available from Anthropic upstreams; remove audio")
        }
        if let value = fields["modalities"] {
            guard case .array(let items) = value else { throw .invalidType("modalities", expected: "an array", got: value) }
            if items.contains(where: { $0.stringValue != "text" }) {
                throw .unsupported("modalities", "only text output is available from Anthropic upstreams; use [\"text\"]")
            }
        }
    }

    // MARK: - Scalars

    static func bool(_ value: JSONValue?, _ path: @autoclosure () -> String) throws(WireError) -> Bool? {
        guard let value, !value.isNull else { return nil }
        guard let flag = value.boolValue else { throw .invalidType(path(), expected: "a boolean", got: value) }
        return flag
    }

    static func positiveInt(_ value: JSONValue?, _ path: @autoclosure () -> String) throws(WireError) -> Int? {
        guard let value else { return nil }
        guard let number = value.intValue else { throw .invalidType(path(), expected: "an integer", got: value) }
        guard number > 0 else { throw .invalidValue(path(), "must be a positive integer") }
        return number
    }

    static func string(_ value: JSONValue?, _ path: @autoclosure () -> String) throws(WireError) -> String {
        guard let value else { throw .missing(path()) }
        guard let text = value.stringValue else { throw .invalidType(path(), expected: "a string", got: value) }
        return text
    }

    static func object(_ value: JSONValue?, _ path: @autoclosure () -> String) throws(WireError) -> JSONObject {
        guard let value else { throw .missing(path()) }
        guard case .object(let object) = value else { throw .invalidType(path(), expected: "an object", got: value) }
        return object
    }

    static func isBlank(_ text: String) -> Bool {
        for scalar in text.unicodeScalars {
            // ASCII first: the Unicode property lookup costs more than the rest of a short check.
            if scalar.isASCII {
                if scalar == " " || ("\t"..."\r").contains(scalar) { continue }
                return false
            }
            if !scalar.properties.isWhitespace { return false }
        }
        return true
    }

    /// `safety_identifier` (current) or `user` (legacy), unless it looks like an email or phone
    /// number: Anthropic's `metadata.user_id` must be opaque.
    static func userID(_ fields: JSONObject, _ state: inout DecodeState) throws(WireError) -> String? {
        var chosen: String?
        for key in ["safety_identifier", "user"] {
            guard let value = fields[key] else { continue }
            guard let text = value.stringValue else { throw .invalidType(key, expected: "a string", got: value) }
            if chosen != nil || text.isEmpty { continue }
            if looksPersonal(text) {
                state.dropped.append("\(key) (looks like an email or phone number)")
            } else {
                chosen = text
            }
        }
        return chosen
    }

    static func looksPersonal(_ text: String) -> Bool {
        if let at = text.firstIndex(of: "@"), text[text.index(after: at)...].contains(".") { return true }
        let digits = text.unicodeScalars.filter { ("0"..."9").contains($0) }.count
        let phoneish = text.unicodeScalars.allSatisfy { ("0"..."9").contains($0) || " +-().".unicodeScalars.contains($0) }
        return phoneish && digits >= 7
    }

    // MARK: - Tools

    static func tools(_ fields: JSONObject, _ state: inout DecodeState) throws(WireError) -> [CanonicalTool] {
        var result: [CanonicalTool] = []
        if let value = fields["tools"] {
            guard case .array(let items) = value else { throw .invalidType("tools", expected: "an array", got: value) }
            for (index, item) in items.enumerated() {
                let path = "tools[\(index)]"
                let tool = try object(item, path)
                let type = try string(tool["type"] ?? "function", "\(path).type")
                switch type {
                case "function":
                    result.append(try functionTool(try object(tool["function"], "\(path).function"), path: "\(path).function", &state))
                case "custom":
                    let custom = try object(tool["custom"], "\(path).custom")
                    let name = try toolName(custom["name"], "\(path).custom.name")
                    let description = try custom["description"].map { (value) throws(WireError) in try string(value, "\(path).custom.description") }
                    result.append(CanonicalTool(name: name, description: description, kind: .custom(format: custom["format"])))
                default:
                    state.dropped.append("\(path) (tool type \(type))")
                }
            }
        }
        if let value = fields["functions"] {
            guard case .array(let items) = value else { throw .invalidType("functions", expected: "an array", got: value) }
            for (index, item) in items.enumerated() {
                result.append(try functionTool(try object(item, "functions[\(index)]"), path: "functions[\(index)]", &state))
            }
        }
        return result
    }

    static func functionTool(_ function: JSONObject, path: String, _ state: inout DecodeState) throws(WireError) -> CanonicalTool {
        let name = try toolName(function["name"], "\(path).name")
        var description: String?
        if let value = function["description"], !value.isNull { description = try string(value, "\(path).description") }
        var parameters: JSONValue?
        if let value = function["parameters"], !value.isNull {
            guard case .object = value else { throw .invalidType("\(path).parameters", expected: "a JSON Schema object", got: value) }
            parameters = value
        }
        if let strict = function["strict"], !strict.isNull { state.dropped.append("\(path).strict") }
        return CanonicalTool(name: name, description: description, kind: .function(parameters: parameters))
    }

    /// Tool names must satisfy Anthropic's `^[a-zA-Z0-9_-]{1,128}$`; refusing early gives the
    /// client a path instead of an upstream 400.
    static func toolName(_ value: JSONValue?, _ path: String) throws(WireError) -> String {
        let name = try string(value, path)
        let valid = !name.isEmpty && name.utf8.count <= 128
            && name.unicodeScalars.allSatisfy { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "_" || $0 == "-") }
        guard valid else { throw .invalidValue(path, "tool names must match ^[a-zA-Z0-9_-]{1,128}$") }
        return name
    }

    static func webSearchTool(_ value: JSONValue?) throws(WireError) -> CanonicalTool? {
        guard let value else { return nil }
        let options = try object(value, "web_search_options")
        var maxUses: Int?
        if let size = options["search_context_size"]?.stringValue {
            switch size {
            case "low": maxUses = 1
            case "medium": maxUses = 5
            case "high": maxUses = 10
            default: throw .invalidValue("web_search_options.search_context_size", "must be low, medium or high")
            }
        }
        var location: JSONValue?
        if let approximate = options["user_location"]?["approximate"]?.objectValue {
            var out: JSONObject = ["type": "approximate"]
            for key in ["city", "country", "region", "timezone"] {
                if let text = approximate[key]?.stringValue { out[key] = .string(text) }
            }
            location = .object(out)
        }
        return CanonicalTool(name: "web_search", kind: .webSearch(maxUses: maxUses, userLocation: location))
    }

    static func toolChoice(_ fields: JSONObject, tools: inout [CanonicalTool]) throws(WireError) -> CanonicalToolChoice? {
        let path = fields["tool_choice"] != nil ? "tool_choice" : "function_call"
        guard let value = fields["tool_choice"] ?? fields["function_call"] else { return nil }
        func named(_ name: String, _ namePath: String) throws(WireError) -> CanonicalToolChoice {
            guard tools.contains(where: { $0.name == name }) else {
                throw .invalidValue(namePath, "names tool '\(name)', which is not in tools")
            }
            return .named(name)
        }
        switch value {
        case .string("auto"): return .auto
        case .string("none"): return CanonicalToolChoice.none
        case .string("required"): return .required
        case .string(let other): throw .invalidValue(path, "'\(other)' is not auto, none, required or a named tool")
        case .object(let object):
            if path == "function_call" {
                return try named(try string(object["name"], "function_call.name"), "function_call.name")
            }
            let type = try string(object["type"], "tool_choice.type")
            switch type {
            case "function":
                let name = try string(try object_(object["function"], "tool_choice.function")["name"], "tool_choice.function.name")
                return try named(name, "tool_choice.function.name")
            case "custom":
                let name = try string(try object_(object["custom"], "tool_choice.custom")["name"], "tool_choice.custom.name")
                return try named(name, "tool_choice.custom.name")
            case "allowed_tools":
                let allowed = try object_(object["allowed_tools"], "tool_choice.allowed_tools")
                guard case .array(let list)? = allowed["tools"] else { throw .missing("tool_choice.allowed_tools.tools") }
                var names: Set<String> = []
                for (index, item) in list.enumerated() {
                    let itemPath = "tool_choice.allowed_tools.tools[\(index)]"
                    let entry = try object_(item, itemPath)
                    let kind = entry["type"]?.stringValue ?? "function"
                    names.insert(try string(entry[kind]?["name"] ?? entry["name"], "\(itemPath).\(kind).name"))
                }
                tools.removeAll { tool in
                    if case .webSearch = tool.kind { return false }
                    return !names.contains(tool.name)
                }
                switch allowed["mode"]?.stringValue ?? "auto" {
                case "auto": return .auto
                case "required": return .required
                default: throw .invalidValue("tool_choice.allowed_tools.mode", "must be auto or required")
                }
            default:
                throw .invalidValue("tool_choice.type", "'\(type)' is not function, custom or allowed_tools")
            }
        default:
            throw .invalidType(path, expected: "a string or an object", got: value)
        }
    }

    private static func object_(_ value: JSONValue?, _ path: String) throws(WireError) -> JSONObject {
        try object(value, path)
    }

    static func outputFormat(_ value: JSONValue?) throws(WireError) -> CanonicalOutputFormat? {
        guard let value else { return nil }
        let format = try object(value, "response_format")
        switch try string(format["type"], "response_format.type") {
        case "text": return nil
        case "json_object": return .jsonObject
        case "json_schema":
            let spec = try object(format["json_schema"], "response_format.json_schema")
            let name = spec["name"]?.stringValue
            guard let schema = spec["schema"], !schema.isNull else { return .jsonObject }
            guard case .object = schema else {
                throw .invalidType("response_format.json_schema.schema", expected: "a JSON Schema object", got: schema)
            }
            return .jsonSchema(name: name, schema: schema)
        case let other:
            throw .invalidValue("response_format.type", "'\(other)' is not text, json_object or json_schema")
        }
    }
}

/// A decoded Chat request and the parameters that were dropped on the way.
public struct DecodedChatRequest: Sendable, Equatable {
    /// `model` is the client's name, untouched; rename rules apply later.
    public var request: CanonicalRequest
    public var dropped: [String]
}
