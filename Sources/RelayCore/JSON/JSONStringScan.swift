/// Finds the next byte a JSON string cannot hold as is: `"`, `\` or a control byte (< 0x20).
///
/// Both the parser (where a string ends or needs unescaping) and the writer (what must be
/// escaped) ask this of every byte of every string, and request bodies are mostly long plain
/// text, so it looks at 8 bytes per step (the classic "has a zero byte" bit trick) and only
/// walks byte by byte through the word that holds a match.
enum JSONStringScan {
    private static let ones: UInt64 = 0x0101_0101_0101_0101
    private static let highs: UInt64 = 0x8080_8080_8080_8080

    /// Index of the first special byte in `bytes[start..<end]`, or `end`.
    @inline(__always)
    static func firstSpecial(in bytes: UnsafeRawBufferPointer, from start: Int, to end: Int) -> Int {
        var index = start
        if let base = bytes.baseAddress {
            while index + 8 <= end {
                let word = UInt64(littleEndian: base.loadUnaligned(fromByteOffset: index, as: UInt64.self))
                if hasSpecial(word) { break }
                index += 8
            }
        }
        while index < end {
            let byte = bytes[index]
            if byte == 0x22 || byte == 0x5C || byte < 0x20 { return index }
            index += 1
        }
        return end
    }

    /// `bytes` as a String, or nil when they are not valid UTF-8. ASCII (most of any request
    /// body) takes `String(decoding:)`, which has nothing to repair then; only other text pays for
    /// the generic `String(validating:)`.
    static func string(_ bytes: UnsafeRawBufferPointer) -> String? {
        if isASCII(bytes) { return String(decoding: bytes.assumingMemoryBound(to: UInt8.self), as: UTF8.self) }
        return String(validating: bytes.assumingMemoryBound(to: UInt8.self), as: UTF8.self)
    }

    static func isASCII(_ bytes: UnsafeRawBufferPointer) -> Bool {
        var index = 0
        var seen: UInt64 = 0
        if let base = bytes.baseAddress {
            while index + 8 <= bytes.count {
                seen |= base.loadUnaligned(fromByteOffset: index, as: UInt64.self)
                index += 8
            }
        }
        while index < bytes.count {
            seen |= UInt64(bytes[index])
            index += 1
        }
        return seen & highs == 0
    }

    /// True when some byte of `word` is `"`, `\` or below 0x20 (never a false negative; a false
    /// positive only sends the caller to the byte loop).
    @inline(__always)
    static func hasSpecial(_ word: UInt64) -> Bool {
        let quote = word ^ (ones &* 0x22)
        let backslash = word ^ (ones &* 0x5C)
        let zeroQuote = (quote &- ones) & ~quote
        let zeroBackslash = (backslash &- ones) & ~backslash
        let control = (word &- ones &* 0x20) & ~word
        return (zeroQuote | zeroBackslash | control) & highs != 0
    }
}
