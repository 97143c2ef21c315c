/// One server-sent event (WHATWG HTML §9.2): the `event` field, the joined `data` lines, the `id`.
public struct SSEEvent: Sendable, Equatable {
    public var event: String?
    public var data: String
    public var id: String?

    public init(event: String? = nil, data: String, id: String? = nil) {
        self.event = event
        self.data = data
        self.id = id
    }
}

/// Incremental SSE parser fed with arbitrary byte chunks.
///
/// Chunk boundaries never change the result: a line split across reads, a `\r\n` whose `\r`
/// ends one chunk, and events split anywhere all parse the same as one contiguous buffer.
/// Accepts `\n`, `\r\n` and `\r` line endings. Comment lines (`:`) are ignored. A line longer
/// than `maxLineBytes` is dropped (and counted) instead of growing memory without bound.
public struct SSEParser: Sendable {
    public private(set) var droppedLines = 0
    private var line: [UInt8] = []
    private var lineOverflowed = false
    private var lastByteWasCR = false
    private var eventName: String?
    private var dataLines: [String] = []
    private var hasData = false
    private var lastID: String?
    private let maxLineBytes: Int

    public init(maxLineBytes: Int = 16 << 20) {
        self.maxLineBytes = maxLineBytes
    }

    /// Feeds bytes and returns every event they complete, in order.
    public mutating func feed<Bytes: Sequence<UInt8>>(_ bytes: Bytes) -> [SSEEvent] {
        var events: [SSEEvent] = []
        for byte in bytes {
            if byte == 0x0A {
                if lastByteWasCR {
                    lastByteWasCR = false
                    continue
                }
                endLine(into: &events)
            } else if byte == 0x0D {
                lastByteWasCR = true
                endLine(into: &events)
            } else {
                lastByteWasCR = false
                if line.count < maxLineBytes {
                    line.append(byte)
                } else {
                    lineOverflowed = true
                }
            }
        }
        return events
    }

    /// Ends the stream: a final event without its blank line is still delivered.
    public mutating func finish() -> [SSEEvent] {
        var events: [SSEEvent] = []
        if !line.isEmpty { endLine(into: &events) }
        endLine(into: &events)
        return events
    }

    private mutating func endLine(into events: inout [SSEEvent]) {
        defer {
            line.removeAll(keepingCapacity: line.count < 4096)
            lineOverflowed = false
        }
        if lineOverflowed {
            droppedLines += 1
            return
        }
        if line.isEmpty {
            if hasData {
                events.append(SSEEvent(event: eventName, data: dataLines.joined(separator: "\n"), id: lastID))
            }
            eventName = nil
            dataLines.removeAll()
            hasData = false
            return
        }
        if line.first == UInt8(ascii: ":") { return }
        let colon = line.firstIndex(of: UInt8(ascii: ":"))
        let field = String(decoding: line[..<(colon ?? line.endIndex)], as: UTF8.self)
        var valueStart = colon.map { line.index(after: $0) } ?? line.endIndex
        if valueStart < line.endIndex, line[valueStart] == UInt8(ascii: " ") { valueStart += 1 }
        let value = String(decoding: line[valueStart...], as: UTF8.self)
        switch field {
        case "event": eventName = value
        case "data":
            dataLines.append(value)
            hasData = true
        case "id": lastID = value
        default: break
        }
    }
}
