/// Reads a few top-level fields of a JSON object without building the whole document.
///
/// Pass-through requests are forwarded byte for byte; the relay only needs `model` and
/// `stream`. Skipping nested values by bracket matching keeps a 2 MB body cheap.
public enum JSONFieldScanner {
    /// Top-level string and boolean members named in `names`; other types are ignored.
    /// Returns nil when the bytes are not a JSON object.
    public static func topLevelFields(_ names: Set<String>, in bytes: UnsafeRawBufferPointer) -> [String: JSONValue]? {
        var index = 0
        let count = bytes.count
        func skipWhitespace() {
            while index < count {
                let byte = bytes[index]
                if byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 { index += 1 } else { break }
            }
        }
        /// Moves past a string starting at `index` (a quote); returns its raw bytes range.
        func skipString() -> Range<Int>? {
            let start = index + 1
            index += 1
            while index < count {
                let byte = bytes[index]
                if byte == UInt8(ascii: "\\") {
                    index += 2
                } else if byte == UInt8(ascii: "\"") {
                    index += 1
                    return start..<(index - 1)
                } else {
                    index += 1
                }
            }
            return nil
        }
        /// Moves past any value; returns false on malformed input.
        func skipValue() -> Bool {
            guard index < count else { return false }
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") { return skipString() != nil }
            if byte == UInt8(ascii: "{") || byte == UInt8(ascii: "[") {
                var depth = 0
                while index < count {
                    let current = bytes[index]
                    if current == UInt8(ascii: "\"") {
                        guard skipString() != nil else { return false }
                        continue
                    }
                    if current == UInt8(ascii: "{") || current == UInt8(ascii: "[") { depth += 1 }
                    if current == UInt8(ascii: "}") || current == UInt8(ascii: "]") {
                        depth -= 1
                        if depth == 0 {
                            index += 1
                            return true
                        }
                    }
                    index += 1
                }
                return false
            }
            while index < count {
                let current = bytes[index]
                if current == UInt8(ascii: ",") || current == UInt8(ascii: "}") || current == UInt8(ascii: "]")
                    || current == 0x20 || current == 0x0A || current == 0x0D || current == 0x09
                {
                    break
                }
                index += 1
            }
            return true
        }

        skipWhitespace()
        guard index < count, bytes[index] == UInt8(ascii: "{") else { return nil }
        index += 1
        var found: [String: JSONValue] = [:]
        while true {
            skipWhitespace()
            guard index < count else { return nil }
            if bytes[index] == UInt8(ascii: "}") { return found }
            guard bytes[index] == UInt8(ascii: "\""), let keyRange = skipString() else { return nil }
            let key = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[keyRange]), as: UTF8.self)
            skipWhitespace()
            guard index < count, bytes[index] == UInt8(ascii: ":") else { return nil }
            index += 1
            skipWhitespace()
            let valueStart = index
            guard skipValue() else { return nil }
            if names.contains(key) {
                let raw = UnsafeRawBufferPointer(rebasing: bytes[valueStart..<index])
                if let value = try? JSONValue.parse(raw), value.stringValue != nil || value.boolValue != nil {
                    found[key] = value
                }
            }
            skipWhitespace()
            guard index < count else { return nil }
            if bytes[index] == UInt8(ascii: ",") {
                index += 1
                continue
            }
            if bytes[index] == UInt8(ascii: "}") { return found }
            return nil
        }
    }
}
