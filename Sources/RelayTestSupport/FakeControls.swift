import Foundation
import HTTPTypes

/// The behaviour a test chose for one request, read from its `x-fake-*` headers.
///
/// Headers rather than configuration so that concurrent tests sharing one fake (and the relay in
/// between, which forwards unknown headers) can each pick what they need per request.
struct FakeControls: Sendable {
    /// `x-fake-status`: answer with this status and an error body in the route's dialect.
    var status: Int?
    /// `x-fake-retry-after`: value of the `retry-after` header on that error.
    var retryAfter: String?
    /// `x-fake-first-byte-delay-ms`: wait before the response head.
    var firstByteDelayMilliseconds = 0
    /// `x-fake-hang`: never answer.
    var hang = false
    /// `x-fake-events`: number of text deltas in a streamed answer (default 3).
    var textDeltaCount: Int?
    /// `x-fake-interval-ms`: pause between text deltas.
    var intervalMilliseconds = 0
    /// `x-fake-delta-bytes`: each text delta carries this many bytes of filler text.
    var deltaBytes: Int?
    /// `x-fake-echo`: a non-streaming answer whose text is `len=<request body bytes>` (the body is
    /// not parsed, so any bytes work).
    var echo = false
    /// `x-fake-midstream-error`: after the first text delta, an error event and the end.
    var midstreamError = false
    /// `x-fake-early-error`: an in-band error right after the stream opens, before any content.
    var earlyError = false
    /// `x-fake-cut-body`: a non-streaming answer whose head promises the whole body but whose
    /// connection closes after half of it; a Messages stream that breaks after its first text delta.
    var cutBody = false
    /// `x-fake-fast`: a fixed tiny answer with no other processing (benchmarks).
    var fast = false
    /// `x-fake-usage`: four comma-separated integers overriding the reported usage.
    var usage: [Int]?

    init(_ headers: HTTPFields) {
        func value(_ name: String) -> String? {
            guard let fieldName = HTTPField.Name(name) else { return nil }
            return headers[fieldName]?.trimmingCharacters(in: .whitespaces)
        }
        func flag(_ name: String) -> Bool {
            guard let raw = value(name)?.lowercased() else { return false }
            return raw == "1" || raw == "true" || raw == "yes"
        }
        func number(_ name: String) -> Int? {
            value(name).flatMap { Int($0) }
        }
        status = number("x-fake-status").flatMap { (100...599).contains($0) ? $0 : nil }
        retryAfter = value("x-fake-retry-after")
        firstByteDelayMilliseconds = max(0, number("x-fake-first-byte-delay-ms") ?? 0)
        hang = flag("x-fake-hang")
        textDeltaCount = number("x-fake-events").map { max(1, $0) }
        intervalMilliseconds = max(0, number("x-fake-interval-ms") ?? 0)
        deltaBytes = number("x-fake-delta-bytes").flatMap { $0 > 0 ? $0 : nil }
        echo = flag("x-fake-echo")
        midstreamError = flag("x-fake-midstream-error")
        earlyError = flag("x-fake-early-error")
        fast = flag("x-fake-fast")
        cutBody = flag("x-fake-cut-body")
        if let raw = value("x-fake-usage") {
            let numbers = raw.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
            usage = numbers.count == 4 ? numbers : nil
        }
    }

    /// The text deltas of an answer whose natural text is `text`.
    ///
    /// - Default: `text` in 3 pieces.
    /// - `x-fake-events: N`: `text` in N pieces; when `text` has fewer than N characters it is first
    ///   padded with `.` to N characters, so every delta carries text.
    /// - `x-fake-delta-bytes: K`: N (default 3) deltas of K bytes of ASCII filler each; the answer
    ///   text is then their concatenation, not `text`.
    func deltas(for text: String) -> [String] {
        let count = textDeltaCount ?? 3
        if let deltaBytes {
            let piece = Self.filler(bytes: deltaBytes)
            return Array(repeating: piece, count: count)
        }
        var characters = Array(text)
        if characters.count < count {
            characters += Array(repeating: ".", count: count - characters.count)
        }
        return Self.split(characters, into: count)
    }

    static func split(_ characters: [Character], into count: Int) -> [String] {
        let count = max(1, min(count, max(1, characters.count)))
        var pieces: [String] = []
        pieces.reserveCapacity(count)
        var start = 0
        for index in 0..<count {
            let end = characters.count * (index + 1) / count
            pieces.append(String(characters[start..<end]))
            start = end
        }
        return pieces
    }

    private static func filler(bytes: Int) -> String {
        let alphabet = Array("abcdefghijklmnopqrstuvwxyz0123456789 ".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes)
        for index in 0..<bytes {
            out.append(alphabet[index % alphabet.count])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
