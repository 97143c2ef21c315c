import Hummingbird
import NIOCore

/// Writes server-sent events one at a time, each awaited and flushed, so a client that goes away
/// is noticed mid-stream (by the ``DisconnectWatcher`` or by the failing write).
struct SSEEmitter {
    let watcher: DisconnectWatcher
    let intervalMilliseconds: Int
    /// Responses streams number their events; this is the next `sequence_number`.
    private(set) var sequenceNumber = 0
    /// Text deltas written so far; the interval is applied between them.
    private var textDeltasSent = 0

    init(watcher: DisconnectWatcher, intervalMilliseconds: Int) {
        self.watcher = watcher
        self.intervalMilliseconds = intervalMilliseconds
    }

    /// Writes `event: <name>` and `data: <json>` lines and a blank line.
    mutating func send(_ name: String, _ data: FakeJSON, to writer: inout any ResponseBodyWriter) async throws {
        try watcher.check()
        var text = "event: "
        text += name
        text += "\ndata: "
        text += data.serialized
        text += "\n\n"
        try await writer.write(ByteBuffer(string: text))
    }

    /// Writes a Responses event: `type` and `sequence_number` first, then `fields`.
    mutating func sendResponses(
        _ type: String,
        _ fields: [(String, FakeJSON)],
        to writer: inout any ResponseBodyWriter
    ) async throws {
        let data = FakeJSON.object([("type", .string(type)), ("sequence_number", .int(sequenceNumber))] + fields)
        sequenceNumber += 1
        try await send(type, data, to: &writer)
    }

    /// Waits the configured interval before every text delta but the first.
    mutating func paceTextDelta() async throws {
        if textDeltasSent > 0 && intervalMilliseconds > 0 {
            try await watcher.sleep(milliseconds: intervalMilliseconds)
        }
        textDeltasSent += 1
    }
}
