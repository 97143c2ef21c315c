import Foundation
public import RelayConfig

/// The admin token: which tokens open the admin surface, and the first-start generation.
///
/// Accepted: the token whose SHA-256 is `admin.token_sha256` in the config, and the value of
/// `SWITCHYARD_ADMIN_TOKEN`. Client keys are a different credential and never match. Presented
/// tokens are hashed and compared to each accepted hash in constant time.
public enum AdminCredential {
    public static let environmentVariable = "SWITCHYARD_ADMIN_TOKEN"

    /// The hashes that open the admin surface for `config` and `environment`.
    static func acceptedHashes(config: RuntimeConfig, environment: [String: String]) -> [[UInt8]] {
        var hashes: [[UInt8]] = []
        if let hex = config.file.admin?.tokenSHA256, let bytes = bytes(fromHex: hex) { hashes.append(bytes) }
        if let token = environment[environmentVariable], !token.isEmpty { hashes.append(SHA256.hash(Array(token.utf8))) }
        return hashes
    }

    /// The accepted hash that `presented` matches, if any. Every accepted hash is compared.
    static func match(_ presented: String, accepted: [[UInt8]]) -> [UInt8]? {
        guard !presented.isEmpty else { return nil }
        let digest = SHA256.hash(Array(presented.utf8))
        var found: [UInt8]?
        for hash in accepted where ConstantTime.equals(digest, hash) && found == nil { found = hash }
        return found
    }

    /// A new random admin token: `sya-` and 43 base62 characters (≥ 256 bits).
    public static func generateToken() -> String { "sya-" + RandomToken.base62(43) }

    /// Lower-case hex SHA-256 of `token`, as stored in `admin.token_sha256`.
    public static func hash(_ token: String) -> String { SHA256.hex(token) }

    /// What `prepare` did.
    public struct Prepared: Sendable {
        /// The config to serve (with the new hash when a token was generated).
        public var config: RuntimeConfig
        /// Set when a token was generated now: print it once; it is not stored anywhere.
        public var generatedToken: String?
    }

    /// Makes sure an admin token exists before serving: with none in the config and none in the
    /// environment, generates one, stores its hash in the config file (the previous file kept as
    /// a numbered backup) and returns it so `serve` can print it once.
    public static func prepare(store: ConfigStore, config: RuntimeConfig, environment: [String: String]) throws -> Prepared {
        let configured = config.file.admin?.tokenSHA256 != nil
        let fromEnvironment = !(environment[environmentVariable] ?? "").isEmpty
        guard !configured, !fromEnvironment else { return Prepared(config: config, generatedToken: nil) }
        let token = generateToken()
        var file = config.file
        var admin = file.admin ?? AdminSettings()
        admin.tokenSHA256 = hash(token)
        file.admin = admin
        if let previous = try? Data(contentsOf: store.configURL) { try store.backups.add(previous) }
        try store.save(file)
        let updated = try ConfigValidator.validate(file, environment: environment)
        return Prepared(config: updated, generatedToken: token)
    }

    static func bytes(fromHex hex: String) -> [UInt8]? {
        let digits = Array(hex.utf8)
        guard digits.count % 2 == 0 else { return nil }
        func value(_ digit: UInt8) -> UInt8? {
            switch digit {
            case 0x30...0x39: digit - 0x30
            case 0x61...0x66: digit - 0x61 + 10
            case 0x41...0x46: digit - 0x41 + 10
            default: nil
            }
        }
        var out: [UInt8] = []
        out.reserveCapacity(digits.count / 2)
        var index = 0
        while index < digits.count {
            guard let high = value(digits[index]), let low = value(digits[index + 1]) else { return nil }
            out.append(high << 4 | low)
            index += 2
        }
        return out
    }
}
