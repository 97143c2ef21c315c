/// Masks secrets for logs, banners and API responses: at most the last four characters show.
public enum SecretMask {
    public static func mask(_ secret: String) -> String {
        guard secret.count > 8 else { return "****" }
        return "****" + String(secret.suffix(4))
    }

    /// A stable, non-reversible id for a key (FNV-1a of the key, hex), for log lines and metrics.
    public static func keyID(_ secret: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in secret.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01B3
        }
        let hex = String(hash, radix: 16)
        return "k_" + String(repeating: "0", count: 16 - hex.count) + hex.prefix(8)
    }
}
