import Testing

@testable import RelayCore

@Suite struct SSEParserTests {
    func parseAll(_ bytes: [UInt8], splitAt cut: Int? = nil) -> [SSEEvent] {
        var parser = SSEParser()
        var events: [SSEEvent] = []
        if let cut {
            events += parser.feed(bytes[..<cut])
            events += parser.feed(bytes[cut...])
        } else {
            events += parser.feed(bytes)
        }
        return events + parser.finish()
    }

    @Test func parsesAnthropicStream() throws {
        let events = parseAll(try Fixture.bytes("anthropic-stream.sse"))
        #expect(events.map(\.event) == [
            "message_start", "ping", "content_block_start", "content_block_delta", "content_block_stop", "message_delta", "message_stop",
        ])
        #expect(events[3].data.contains("\\u4e16"))
    }

    @Test func everySplitPointGivesTheSameEvents() throws {
        for name in ["anthropic-stream.sse", "responses-stream.sse"] {
            let bytes = try Fixture.bytes(name)
            let whole = parseAll(bytes)
            for cut in 0...bytes.count {
                #expect(parseAll(bytes, splitAt: cut) == whole, "split at \(cut) of \(name)")
            }
        }
    }

    @Test func byteAtATimeMatchesWhole() throws {
        let bytes = try Fixture.bytes("anthropic-stream.sse")
        var parser = SSEParser()
        var events: [SSEEvent] = []
        for byte in bytes { events += parser.feed([byte]) }
        events += parser.finish()
        #expect(events == parseAll(bytes))
    }

    @Test func acceptsCRLFAndCRLineEndingsEvenWhenSplitBetweenCRAndLF() {
        let crlf = Array("event: a\r\ndata: 1\r\n\r\nevent: b\rdata: 2\r\r".utf8)
        for cut in 0...crlf.count {
            let events = parseAll(crlf, splitAt: cut)
            #expect(events == [SSEEvent(event: "a", data: "1"), SSEEvent(event: "b", data: "2")], "cut \(cut)")
        }
    }

    @Test func joinsMultipleDataLinesAndIgnoresComments() {
        let events = parseAll(Array(": hello\ndata: one\ndata:two\nid: 7\n\n".utf8))
        #expect(events == [SSEEvent(event: nil, data: "one\ntwo", id: "7")])
    }

    @Test func deliversAFinalEventWithoutTrailingBlankLine() {
        #expect(parseAll(Array("data: [DONE]".utf8)) == [SSEEvent(data: "[DONE]")])
    }

    @Test func dropsOverlongLinesInsteadOfGrowing() {
        var parser = SSEParser(maxLineBytes: 8)
        let events = parser.feed(Array("data: 0123456789\n\ndata: ok\n\n".utf8))
        #expect(events == [SSEEvent(data: "ok")])
        #expect(parser.droppedLines == 1)
    }
}
