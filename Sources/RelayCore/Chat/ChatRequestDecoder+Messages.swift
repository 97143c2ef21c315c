import Foundation

extension ChatRequestDecoder {
    /// Placeholder user turn put before a conversation that starts with an assistant turn
    /// (Anthropic historically required the first message to be `user`, PROTOCOLS.md §2.2).
    static let leadingUserPlaceholder = "."

    /// Decodes `messages`: system and developer text goes to `request.system` (any position, in
    /// order); user, assistant and tool messages become alternating turns, with consecutive tool
    /// messages and a directly following user message merged into ONE user turn whose tool
    /// results come first (§5.1).
    static func decodeMessages(_ messages: [JSONValue], into request: inout CanonicalRequest, state: inout DecodeState) throws(WireError) {
        var turns: [CanonicalMessage] = []
        func append(_ role: CanonicalRole, _ parts: [CanonicalPart]) {
            guard !parts.isEmpty else { return }
            if let last = turns.last, last.role == role {
                turns[turns.count - 1].parts += parts
            } else {
                turns.append(CanonicalMessage(role: role, parts: parts))
            }
        }
        for (index, value) in messages.enumerated() {
            // Paths are built only when something is dropped or refused.
            var path: String { "messages[\(index)]" }
            let message = try object(value, path)
            let role = try string(message["role"], "\(path).role")
            let known = messageFields(role)
            for member in message.storage where member.key != "role" && member.key != "content" && !known.contains(member.key) {
                if !member.value.isNull { state.dropped.append("\(path).\(member.key)") }
            }
            switch role {
            case "system", "developer":
                request.system += try textParts(message["content"], path: "\(path).content")
            case "user":
                append(.user, try userParts(message["content"], path: "\(path).content"))
            case "assistant":
                append(.assistant, try assistantParts(message, path: path, index: index, &state))
            case "tool":
                let id = try string(message["tool_call_id"], "\(path).tool_call_id")
                let content = try toolResultParts(message["content"], path: "\(path).content")
                append(.user, [.toolResult(CanonicalToolResult(callID: id, content: content))])
            case "function":
                let name = try string(message["name"], "\(path).name")
                let id = state.legacyCallIDs[name] ?? "call_legacy_\(name)"
                let content = try toolResultParts(message["content"], path: "\(path).content")
                append(.user, [.toolResult(CanonicalToolResult(callID: id, content: content))])
            default:
                throw .invalidValue("\(path).role", "'\(role)' is not system, developer, user, assistant, tool or function")
            }
        }
        turns = turns.map { $0.role == .user ? toolResultsFirst($0) : $0 }
        trimFinalAssistantText(&turns)
        guard !turns.isEmpty else {
            throw WireError(
                param: "messages", code: "invalid_value",
                message: "messages: at least one user or assistant message with non-empty content is required")
        }
        if turns[0].role == .assistant {
            turns.insert(CanonicalMessage(role: .user, parts: [.text(leadingUserPlaceholder)]), at: 0)
        }
        request.messages = turns
    }

    /// The fields each role may carry that this decoder reads; others are dropped and listed.
    static func messageFields(_ role: String) -> Set<String> {
        switch role {
        case "assistant": assistantFields
        case "tool": toolFields
        case "function": functionFields
        default: baseFields
        }
    }

    static let baseFields: Set<String> = ["role", "content"]
    static let assistantFields: Set<String> = ["role", "content", "tool_calls", "function_call", "refusal", "thinking_blocks"]
    static let toolFields: Set<String> = ["role", "content", "tool_call_id"]
    static let functionFields: Set<String> = ["role", "content", "name"]

    /// Tool results first (Anthropic requires them at the start of the user turn), each call id
    /// once: a repeated `tool_call_id` keeps the first position and the last content.
    static func toolResultsFirst(_ message: CanonicalMessage) -> CanonicalMessage {
        guard message.parts.contains(where: { if case .toolResult = $0 { true } else { false } }) else { return message }
        var results: [CanonicalToolResult] = []
        var others: [CanonicalPart] = []
        for part in message.parts {
            if case .toolResult(let result) = part {
                if let existing = results.firstIndex(where: { $0.callID == result.callID }) {
                    results[existing] = result
                } else {
                    results.append(result)
                }
            } else {
                others.append(part)
            }
        }
        return CanonicalMessage(role: .user, parts: results.map(CanonicalPart.toolResult) + others)
    }

    /// Anthropic rejects trailing whitespace in a final assistant (prefill) turn.
    static func trimFinalAssistantText(_ turns: inout [CanonicalMessage]) {
        guard let last = turns.indices.last, turns[last].role == .assistant else { return }
        while case .text(let text, let cache)? = turns[last].parts.last {
            var trimmed = Substring(text)
            while let scalar = trimmed.unicodeScalars.last, scalar.properties.isWhitespace { trimmed = trimmed.dropLast() }
            turns[last].parts.removeLast()
            if !trimmed.isEmpty {
                turns[last].parts.append(.text(String(trimmed), cacheControl: cache))
                break
            }
        }
        if turns[last].parts.isEmpty { turns.removeLast() }
    }

    // MARK: - Content

    /// System, developer: a string or text parts. Blank text is skipped (Anthropic rejects it).
    static func textParts(_ value: JSONValue?, path makePath: @autoclosure () -> String) throws(WireError) -> [CanonicalPart] {
        var path: String { makePath() }
        guard let value, !value.isNull else { return [] }
        if case .string(let text) = value { return isBlank(text) ? [] : [.text(text)] }
        guard case .array(let items) = value else { throw .invalidType(path, expected: "a string or an array of parts", got: value) }
        var parts: [CanonicalPart] = []
        for (index, item) in items.enumerated() {
            let partPath = "\(path)[\(index)]"
            let part = try object(item, partPath)
            let type = try string(part["type"] ?? "text", "\(partPath).type")
            guard type == "text" else { throw .unsupported("\(partPath).type", "'\(type)' parts are not allowed here; use text") }
            if let text = try textPart(part, path: partPath) { parts.append(text) }
        }
        return parts
    }

    static func textPart(_ part: JSONObject, path: String, key: String = "text") throws(WireError) -> CanonicalPart? {
        let text = try string(part[key], "\(path).\(key)")
        guard !isBlank(text) else { return nil }
        let cache = part["cache_control"].flatMap { $0.objectValue == nil ? nil : $0 }
        return .text(text, cacheControl: cache)
    }

    /// User content: text, images (data and http(s) URLs) and files (PDF or plain text as data URLs).
    static func userParts(_ value: JSONValue?, path makePath: @autoclosure () -> String) throws(WireError) -> [CanonicalPart] {
        var path: String { makePath() }
        guard let value, !value.isNull else { return [] }
        if case .string(let text) = value { return isBlank(text) ? [] : [.text(text)] }
        guard case .array(let items) = value else { throw .invalidType(path, expected: "a string or an array of parts", got: value) }
        var parts: [CanonicalPart] = []
        for (index, item) in items.enumerated() {
            if let part = try userPart(item, path: "\(path)[\(index)]") { parts.append(part) }
        }
        return parts
    }

    static func userPart(_ item: JSONValue, path: String) throws(WireError) -> CanonicalPart? {
        let part = try object(item, path)
        let type = try string(part["type"], "\(path).type")
        let cache = part["cache_control"].flatMap { $0.objectValue == nil ? nil : $0 }
        switch type {
        case "text":
            return try textPart(part, path: path)
        case "image_url":
            let urlPath: String
            let url: String
            if case .string(let direct)? = part["image_url"] {
                urlPath = "\(path).image_url"
                url = direct
            } else {
                urlPath = "\(path).image_url.url"
                url = try string(try object(part["image_url"], "\(path).image_url")["url"], urlPath)
            }
            return .image(try imageSource(url, path: urlPath), cacheControl: cache)
        case "file":
            let file = try object(part["file"], "\(path).file")
            if file["file_data"] == nil, file["file_id"] != nil {
                throw .unsupported("\(path).file.file_id", "OpenAI file ids cannot be read by Anthropic upstreams; send the file as file_data (a data URL)")
            }
            let data = try string(file["file_data"], "\(path).file.file_data")
            let title = file["filename"]?.stringValue
            return .document(try documentSource(data, path: "\(path).file.file_data"), title: title, cacheControl: cache)
        case "input_audio":
            throw .unsupported("\(path).type", "audio input is not available on Anthropic upstreams")
        default:
            throw .unsupported("\(path).type", "content part type '\(type)' is not supported; use text, image_url or file")
        }
    }

    static let anthropicImageTypes: Set<String> = ["image/jpeg", "image/png", "image/gif", "image/webp"]

    /// `data:<type>;base64,<data>` → base64 source; `http(s)://…` → URL source. `detail` has no
    /// Anthropic equivalent and is ignored.
    static func imageSource(_ url: String, path: String) throws(WireError) -> CanonicalMediaSource {
        if url.hasPrefix("data:") {
            let (mediaType, data) = try dataURL(url, path: path)
            let normalized = mediaType == "image/jpg" ? "image/jpeg" : mediaType
            guard anthropicImageTypes.contains(normalized) else {
                throw .unsupported(path, "image type '\(mediaType)' is not accepted by Anthropic; use JPEG, PNG, GIF or WebP")
            }
            return .base64(mediaType: normalized, data: data)
        }
        let lower = url.lowercased()
        guard lower.hasPrefix("https://") || lower.hasPrefix("http://") else {
            throw .invalidValue(path, "must be an http(s) URL or a base64 data URL")
        }
        return .url(url)
    }

    /// PDFs stay base64; plain text is decoded (Anthropic takes text documents as text).
    static func documentSource(_ url: String, path: String) throws(WireError) -> CanonicalMediaSource {
        guard url.hasPrefix("data:") else { throw .invalidValue(path, "must be a base64 data URL") }
        let (mediaType, data) = try dataURL(url, path: path)
        switch mediaType {
        case "application/pdf":
            return .base64(mediaType: mediaType, data: data)
        case "text/plain":
            guard let bytes = Data(base64Encoded: data), let text = String(data: bytes, encoding: .utf8) else {
                throw .invalidValue(path, "the base64 data is not valid UTF-8 text")
            }
            return .text(text)
        default:
            throw .unsupported(path, "file type '\(mediaType)' is not accepted by Anthropic; use application/pdf or text/plain")
        }
    }

    /// Splits `data:<type>[;param]*;base64,<data>`; only base64 payloads are accepted.
    static func dataURL(_ url: String, path: String) throws(WireError) -> (mediaType: String, data: String) {
        guard let comma = url.firstIndex(of: ",") else { throw .invalidValue(path, "malformed data URL (no comma)") }
        let header = url[url.index(url.startIndex, offsetBy: 5)..<comma].split(separator: ";").map { $0.lowercased() }
        guard header.contains("base64") else { throw .invalidValue(path, "only base64 data URLs are supported") }
        let mediaType = header.first ?? ""
        let data = String(url[url.index(after: comma)...])
        guard !mediaType.isEmpty, mediaType != "base64", !data.isEmpty else {
            throw .invalidValue(path, "a data URL needs a media type and data")
        }
        return (mediaType, data)
    }

    /// Tool output: a string, or text (and image) parts, whose texts are joined.
    static func toolResultParts(_ value: JSONValue?, path makePath: @autoclosure () -> String) throws(WireError) -> [CanonicalPart] {
        var path: String { makePath() }
        guard let value, !value.isNull else { return [] }
        if case .string(let text) = value { return text.isEmpty ? [] : [.text(text)] }
        guard case .array(let items) = value else { throw .invalidType(path, expected: "a string or an array of parts", got: value) }
        var parts: [CanonicalPart] = []
        for (index, item) in items.enumerated() {
            let partPath = "\(path)[\(index)]"
            let part = try object(item, partPath)
            let type = try string(part["type"] ?? "text", "\(partPath).type")
            switch type {
            case "text":
                let text = try string(part["text"], "\(partPath).text")
                if case .text(let previous, nil)? = parts.last {
                    parts[parts.count - 1] = .text(previous + text)
                } else if !text.isEmpty {
                    parts.append(.text(text))
                }
            case "image_url":
                if let image = try userPart(item, path: partPath) { parts.append(image) }
            default:
                throw .unsupported("\(partPath).type", "tool message parts must be text or image_url")
            }
        }
        return parts
    }

    /// Assistant turn: signed thinking first, then text, then tool calls (Anthropic's order).
    static func assistantParts(
        _ message: JSONObject, path makePath: @autoclosure () -> String, index: Int, _ state: inout DecodeState
    ) throws(WireError) -> [CanonicalPart] {
        var path: String { makePath() }
        var parts: [CanonicalPart] = []
        if case .array(let blocks)? = message["thinking_blocks"] {
            for (blockIndex, block) in blocks.enumerated() {
                let blockPath = "\(path).thinking_blocks[\(blockIndex)]"
                switch block["type"]?.stringValue {
                case "thinking":
                    if let signature = block["signature"]?.stringValue, !signature.isEmpty, let text = block["thinking"]?.stringValue {
                        parts.append(.thinking(text, signature: signature))
                    } else {
                        state.dropped.append("\(blockPath) (unsigned)")
                    }
                case "redacted_thinking":
                    if let data = block["data"]?.stringValue { parts.append(.redactedThinking(data: data)) }
                default:
                    state.dropped.append(blockPath)
                }
            }
        }
        if let reasoning = message["reasoning_content"], !reasoning.isNull {
            state.dropped.append("\(path).reasoning_content (unsigned)")
        }
        switch message["content"] {
        case .string(let text)?:
            if !isBlank(text) { parts.append(.text(text)) }
        case .array(let items)?:
            for (partIndex, item) in items.enumerated() {
                let partPath = "\(path).content[\(partIndex)]"
                let part = try object(item, partPath)
                switch try string(part["type"], "\(partPath).type") {
                case "text": if let text = try textPart(part, path: partPath) { parts.append(text) }
                case "refusal": if let text = try textPart(part, path: partPath, key: "refusal") { parts.append(text) }
                case let other: throw .unsupported("\(partPath).type", "assistant parts must be text or refusal, not '\(other)'")
                }
            }
        case nil, .null?:
            break
        case let other?:
            throw .invalidType("\(path).content", expected: "a string, an array of parts or null", got: other)
        }
        if let refusal = message["refusal"]?.stringValue, !isBlank(refusal) { parts.append(.text(refusal)) }
        if let value = message["tool_calls"], !value.isNull {
            guard case .array(let calls) = value else { throw .invalidType("\(path).tool_calls", expected: "an array", got: value) }
            for (callIndex, call) in calls.enumerated() {
                parts.append(.toolCall(try toolCall(call, path: "\(path).tool_calls[\(callIndex)]", &state)))
            }
        }
        if let value = message["function_call"], !value.isNull {
            let call = try object(value, "\(path).function_call")
            let name = try string(call["name"], "\(path).function_call.name")
            let id = "call_legacy_\(index)"
            state.legacyCallIDs[name] = id
            let arguments = try validArguments(call["arguments"], path: "\(path).function_call.arguments", &state)
            parts.append(.toolCall(CanonicalToolCall(id: id, name: name, arguments: arguments)))
        }
        return parts
    }

    static func toolCall(_ value: JSONValue, path: String, _ state: inout DecodeState) throws(WireError) -> CanonicalToolCall {
        let call = try object(value, path)
        let id = try string(call["id"], "\(path).id")
        guard !id.isEmpty else { throw .invalidValue("\(path).id", "must not be empty") }
        switch call["type"]?.stringValue ?? "function" {
        case "function":
            let function = try object(call["function"], "\(path).function")
            let name = try string(function["name"], "\(path).function.name")
            let arguments = try validArguments(function["arguments"], path: "\(path).function.arguments", &state)
            return CanonicalToolCall(id: id, name: name, arguments: arguments)
        case "custom":
            let custom = try object(call["custom"], "\(path).custom")
            let name = try string(custom["name"], "\(path).custom.name")
            let input = try string(custom["input"] ?? "", "\(path).custom.input")
            return CanonicalToolCall(id: id, name: name, arguments: input, kind: .custom)
        case let other:
            throw .unsupported("\(path).type", "tool call type '\(other)' is not function or custom")
        }
    }

    /// Arguments must be a JSON object for Anthropic's `tool_use.input`. Replayed history can carry
    /// cut-off arguments (a call that hit max_tokens); refusing would make the conversation
    /// unrecoverable, so those become `{}` and are listed as dropped (CLIProxyAPI does the same).
    static func validArguments(_ value: JSONValue?, path: String, _ state: inout DecodeState) throws(WireError) -> String {
        guard let value, !value.isNull else { return "{}" }
        guard let text = value.stringValue else { throw .invalidType(path, expected: "a JSON string", got: value) }
        if text.isEmpty { return "{}" }
        if case .object? = try? JSONValue.parse(text) { return text }
        state.dropped.append("\(path) (not a JSON object; sent as {})")
        return "{}"
    }
}
