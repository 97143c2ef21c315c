/// Reads a few top-level fields of a JSON object without building the whole document.
///
/// Pass-through requests are forwarded byte for byte; the relay only needs `model` and
/// `stream`. Skipping nested values by bracket matching keeps a 2 MB body cheap.
public enum JSONFieldScanner {
    /// Top-level string and boolean members named in `names`; other types are ignored.
    /// Returns nil when the bytes are not a JSON object.
    public static func topLevelFields(_ names: Set<String>, in bytes: UnsafeRawBufferPointer) -> [String: JSONValue]? {
        var found: [String: JSONValue] = [:]
        var seen = 0
        let ok = scan(bytes) { key, range in
            guard names.contains(key) else { return true }
            seen += 1
            let raw = UnsafeRawBufferPointer(rebasing: bytes[range])
            if let value = try? JSONValue.parse(raw), value.stringValue != nil || value.boolValue != nil {
                found[key] = value
            }
            return seen < names.count
        }
        return ok ? found : nil
    }

    /// Walks the members of a top-level object, reporting each key and its value's byte range;
    /// `visit` returns false to stop early (a top-level key appears once, so the rest can be
    /// skipped). Returns false when the bytes are not a well-formed object at this level.
    static func scan(_ bytes: UnsafeRawBufferPointer, _ visit: (String, Range<Int>) -> Bool) -> Bool {
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
        guard index < count, bytes[index] == UInt8(ascii: "{") else { return false }
        index += 1
        while true {
            skipWhitespace()
            guard index < count else { return false }
            if bytes[index] == UInt8(ascii: "}") { return true }
            guard bytes[index] == UInt8(ascii: "\""), let keyRange = skipString() else { return false }
            let key = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[keyRange]), as: UTF8.self)
            skipWhitespace()
            guard index < count, bytes[index] == UInt8(ascii: ":") else { return false }
            index += 1
            skipWhitespace()
            let valueStart = index
            guard skipValue() else { return false }
            if !visit(key, valueStart..<index) { return true }
            skipWhitespace()
            guard index < count else { return false }
            if bytes[index] == UInt8(ascii: ",") {
                index += 1
                continue
            }
            if bytes[index] == UInt8(ascii: "}") { return true }
            return false
        }
    }
}

extension JSONFieldScanner {
    /// The body with the top-level string member `name` replaced by `value`, every other byte
    /// untouched (a model rename on a pass-through body); nil when there is no such member.
    public static func replacingTopLevelString(_ name: String, with value: String, in bytes: UnsafeRawBufferPointer) -> [UInt8]? {
        guard let range = topLevelValueRange(name, in: bytes), range.lowerBound < bytes.count, bytes[range.lowerBound] == UInt8(ascii: "\"") else {
            return nil
        }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + value.utf8.count)
        out.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[..<range.lowerBound]))
        out.append(contentsOf: JSONValue.string(value).compactUTF8())
        out.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[range.upperBound...]))
        return out
    }

    /// Byte range of the value of top-level member `name`.
    static func topLevelValueRange(_ name: String, in bytes: UnsafeRawBufferPointer) -> Range<Int>? {
        var found: Range<Int>?
        _ = scan(bytes) { key, range in
            if key == name {
                found = range
                return false
            }
            return true
        }
        return found
    }
}
