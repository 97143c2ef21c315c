/// Writes server-sent events in the framing each API's clients expect.
public enum SSEEncoder {
    /// `event: <name>\ndata: <json>\n\n` (Anthropic and Responses), or `data: <json>\n\n` when no name.
    public static func encode(event: String?, data: String) -> String {
        var out = ""
        if let event { out += "event: \(event)\n" }
        for line in data.split(separator: "\n", omittingEmptySubsequences: false) {
            out += "data: \(line)\n"
        }
        out += "\n"
        return out
    }
}
