import Foundation
import RelayCore

// Micro-benchmark of the Chat Completions conversion, in-process and without sockets: the work
// the relay adds to a non-streaming chat request compared with pass-through.
//
//     swift build -c release --product chat-bench && .build/release/chat-bench [--iterations N] [--only OP]
//
// The request is the body bench/chat.py sends (a system prompt and 17 plain-text turns, padded
// to 10,240 bytes, model gpt-4o); the response is a short Anthropic message like the fake's;
// stream.20deltas translates a 20-delta Anthropic event stream for a streaming chat client.
// Each figure is the median over 15 batches of the mean time per operation in a batch, in µs.
// Prints one JSON object per line so bench/ scripts can read it.

func conversation() -> (system: String, turns: [(String, String)]) {
    let system = String(
        repeating: "You are a careful senior engineer. Answer concisely, show code when it helps, and say when you are "
            + "unsure. Prefer standard library solutions. ", count: 6)
    let para =
        "The service reads its configuration at start, validates every field, and reloads it when the file "
        + "changes. Requests are routed to the first healthy upstream; failures cool the key down. "
    let code = "func relay(_ request: Request) async throws -> Response {\n    try await upstream.send(request)\n}\n"
    var turns: [(String, String)] = []
    for index in 0..<8 {
        turns.append(("user", "Question \(index + 1): " + para + para + "What would you change here?\n" + code))
        turns.append(("assistant", "Answer \(index + 1): " + para + "I would keep the routing as it is."))
    }
    turns.append(("user", "Last question: summarise the design in two sentences."))
    return (system, turns)
}

/// JSON text as Python's json.dumps writes it (", " and ": " separators, ASCII only here).
func quoted(_ text: String) -> String {
    var out = "\""
    for scalar in text.unicodeScalars {
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        default: out.unicodeScalars.append(scalar)
        }
    }
    return out + "\""
}

func chatBody() -> [UInt8] {
    let (system, turns) = conversation()
    func build(_ pad: String) -> String {
        var messages = ["{\"role\": \"system\", \"content\": \(quoted(system))}"]
        for (index, turn) in turns.enumerated() {
            messages.append("{\"role\": \(quoted(turn.0)), \"content\": \(quoted(turn.1 + (index == 0 ? pad : "")))}")
        }
        return "{\"model\": \"gpt-4o\", \"max_tokens\": 1024, \"messages\": [" + messages.joined(separator: ", ") + "]}"
    }
    var body = build("")
    let target = 10 * 1024
    if body.utf8.count < target { body = build(" " + String(repeating: "x", count: target - body.utf8.count - 1)) }
    return Array(body.utf8)
}

let anthropicMessage: [UInt8] = Array(
    """
    {"id":"msg_01XFDUDYJgAACzvnptvVoYEL","type":"message","role":"assistant","model":"claude-sonnet-4-5-20250929",\
    "content":[{"type":"text","text":"Hello from FakeUpstream."}],"stop_reason":"end_turn","stop_sequence":null,\
    "usage":{"input_tokens":2503,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":6,\
    "service_tier":"standard"}}
    """.utf8)

/// An Anthropic event stream like the fake's for a streaming chat client: 20 text deltas.
let anthropicStream: [UInt8] = {
    func event(_ name: String, _ data: String) -> String { "event: \(name)\ndata: \(data)\n\n" }
    var text = event(
        "message_start",
        #"{"type":"message_start","message":{"id":"msg_01","type":"message","role":"assistant","model":"claude-sonnet-4-5-20250929","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":2503,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":1}}}"#)
    text += event("content_block_start", #"{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}"#)
    for index in 0..<20 {
        text += event("content_block_delta", #"{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"piece \#(index) of the answer "}}"#)
    }
    text += event("content_block_stop", #"{"type":"content_block_stop","index":0}"#)
    text += event("message_delta", #"{"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":40}}"#)
    text += event("message_stop", #"{"type":"message_stop"}"#)
    return Array(text.utf8)
}()

var iterations = 2000
var only: String?
var arguments = CommandLine.arguments.dropFirst()
while let argument = arguments.popFirst() {
    if argument == "--iterations", let value = arguments.popFirst().flatMap(Int.init), value > 0 { iterations = value }
    if argument == "--only" { only = arguments.popFirst() }  // one operation, for perf record
}

let body = chatBody()
let options = ChatConversionOptions(renameModel: { $0.hasPrefix("gpt-") ? "claude-sonnet-4-5" : nil })
var sink = 0

@MainActor func measure(_ name: String, _ operation: () throws -> Int) rethrows {
    if let only, only != name { return }
    for _ in 0..<max(1, iterations / 10) { sink &+= try operation() }
    var batches: [Double] = []
    let perBatch = max(1, iterations / 15)
    for _ in 0..<15 {
        let start = ContinuousClock.now
        for _ in 0..<perBatch { sink &+= try operation() }
        let elapsed = ContinuousClock.now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        batches.append(seconds / Double(perBatch) * 1e6)
    }
    batches.sort()
    let median = batches[batches.count / 2]
    print("{\"op\": \"\(name)\", \"us\": \(String(format: "%.2f", median)), \"min_us\": \(String(format: "%.2f", batches[0])), \"bytes\": \(body.count)}")
}

do {
    let parsed = try body.withUnsafeBytes { try JSONValue.parse($0) }
    let converted = try ChatToAnthropic.convert(parsed, options: options)
    let message = try anthropicMessage.withUnsafeBytes { try JSONValue.parse($0) }

    try measure("request.parse") { try body.withUnsafeBytes { try JSONValue.parse($0) }.isNull ? 0 : 1 }
    try measure("request.convert") { try ChatToAnthropic.convert(parsed, options: options).stream ? 1 : 0 }
    measure("request.write") { converted.bodyBytes().count }
    try measure("request.total") {
        let json = try body.withUnsafeBytes { try JSONValue.parse($0) }
        return try ChatToAnthropic.convert(json, options: options).bodyBytes().count
    }
    measure("response.total") {
        let json = (try? anthropicMessage.withUnsafeBytes { try JSONValue.parse($0) }) ?? message
        return AnthropicToChat.completion(json, context: converted.responseContext, id: "chatcmpl-sy_1", created: 1_700_000_000)
            .compactUTF8().count
    }
    let streamContext = ChatResponseContext(requestedModel: "gpt-4o", includeUsage: true)
    measure("stream.20deltas") {
        var parser = SSEParser()
        var translator = AnthropicToChatStream(context: streamContext, id: "chatcmpl-sy_1", created: 1_700_000_000)
        var bytes = 0
        for event in anthropicStream.withUnsafeBytes({ parser.feed($0) }) {
            for frame in translator.consume(event) { bytes += frame.utf8.count }
        }
        for event in parser.finish() {
            for frame in translator.consume(event) { bytes += frame.utf8.count }
        }
        for frame in translator.finish() { bytes += frame.utf8.count }
        return bytes
    }
    print("{\"op\": \"checksum\", \"value\": \(sink % 1000), \"upstream_bytes\": \(converted.bodyBytes().count)}")
} catch {
    print("{\"error\": \"\(error)\"}")
}
