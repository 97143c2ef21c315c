public import Foundation
public import RelayCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Reads and writes the config file in the data dir.
///
/// Saves are atomic and private: temp file created 0600 → write → fsync → rename → fsync of
/// the directory, so a crash leaves either the old or the new file, never a torn one.
public struct ConfigStore: Sendable {
    public let dataDirectory: URL
    public var configURL: URL { dataDirectory.appendingPathComponent("all_configs.json") }
    public var backupDirectory: URL { dataDirectory.appendingPathComponent("backups") }

    public init(dataDirectory: URL) {
        self.dataDirectory = dataDirectory
    }

    /// What `load` did besides reading, for the startup banner.
    public struct LoadOutcome: Sendable {
        public var config: RuntimeConfig
        /// Set when no file existed and a starter config was written; holds the generated client key.
        public var createdStarterWithKey: String?
        /// Set when an original-project file was migrated: where its copy was kept.
        public var migratedBackup: URL?
        public var migrationNotes: [String]
    }

    /// Loads the config, writing a starter file when none exists and migrating an original-project file.
    public func load(environment: [String: String]) throws -> LoadOutcome {
        try ensurePrivateDirectory(dataDirectory)
        let path = configURL.path
        guard FileManager.default.fileExists(atPath: path) else {
            let key = Self.generateClientKey()
            let starter = ConfigFile(clients: [ClientEntry(name: "default", key: key)])
            try save(starter)
            let config = try ConfigValidator.validate(starter, environment: environment)
            return LoadOutcome(config: config, createdStarterWithKey: key, migratedBackup: nil, migrationNotes: [])
        }
        // The file holds upstream keys: keep it private even if it was created by hand.
        if let mode = try? FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int, mode & 0o077 != 0 {
            chmod(path, 0o600)
        }
        let data = try Data(contentsOf: configURL)
        let document: JSONValue
        do {
            document = try JSONValue.parse(data)
        } catch {
            throw ConfigError(path: "", "not valid JSON: \(error)", file: path)
        }
        if LegacyMigration.isLegacy(document) {
            let migrated = LegacyMigration.migrate(document)
            let config: RuntimeConfig
            do {
                config = try ConfigValidator.validate(migrated.file, environment: environment)
            } catch var error {
                error.file = path + " (after migrating the original project's format)"
                throw error
            }
            let backup = try keepBackup(of: data, label: "original-format")
            try save(migrated.file)
            return LoadOutcome(config: config, createdStarterWithKey: nil, migratedBackup: backup, migrationNotes: migrated.notes)
        }
        let config = try decodeAndValidate(data, environment: environment, path: path)
        return LoadOutcome(config: config, createdStarterWithKey: nil, migratedBackup: nil, migrationNotes: [])
    }

    /// Decodes and validates config bytes; errors carry the field path and the file name.
    public func decodeAndValidate(_ data: Data, environment: [String: String], path: String? = nil) throws(ConfigError) -> RuntimeConfig {
        let file: ConfigFile
        do {
            file = try JSONDecoder().decode(ConfigFile.self, from: data)
        } catch {
            throw ConfigError.from(decoding: error, file: path)
        }
        do {
            return try ConfigValidator.validate(file, environment: environment)
        } catch var error {
            error.file = path
            throw error
        }
    }

    /// Writes the config atomically with mode 0600.
    public func save(_ file: ConfigFile) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        var data = try encoder.encode(file)
        data.append(0x0A)
        try Self.writeAtomically(data, to: configURL)
    }

    /// Keeps a copy under `backups/` (0600) and returns its URL.
    public func keepBackup(of data: Data, label: String) throws -> URL {
        try ensurePrivateDirectory(backupDirectory)
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.dateFormat = "yyyyMMdd-HHmmss"
        let stamp = formatter.string(from: Date())
        var url = backupDirectory.appendingPathComponent("all_configs.\(label).\(stamp).json")
        var counter = 1
        while FileManager.default.fileExists(atPath: url.path) {
            counter += 1
            url = backupDirectory.appendingPathComponent("all_configs.\(label).\(stamp)-\(counter).json")
        }
        try Self.writeAtomically(data, to: url)
        return url
    }

    private func ensurePrivateDirectory(_ url: URL) throws {
        if !FileManager.default.fileExists(atPath: url.path) {
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        }
    }

    /// Atomic private write of any data-dir file (state files, exports).
    public static func writeFileAtomically(_ data: Data, to url: URL) throws {
        try writeAtomically(data, to: url)
    }

    /// temp (0600, O_EXCL) → write → fsync → rename → fsync(dir).
    static func writeAtomically(_ data: Data, to url: URL) throws {
        let directory = url.deletingLastPathComponent().path
        let temp = directory + "/." + url.lastPathComponent + ".tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let fd = open(temp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw StoreError.io("cannot create \(temp): \(String(cString: strerror(errno)))") }
        var ok = false
        defer {
            if !ok { unlink(temp) }
        }
        fchmod(fd, 0o600)
        let written = data.withUnsafeBytes { buffer -> Int in
            var offset = 0
            while offset < buffer.count {
                guard let base = buffer.baseAddress else { return -1 }
                let result = write(fd, base + offset, buffer.count - offset)
                if result < 0 {
                    if errno == EINTR { continue }
                    return -1
                }
                offset += result
            }
            return offset
        }
        guard written == data.count, fsync(fd) == 0 else {
            close(fd)
            throw StoreError.io("cannot write \(temp): \(String(cString: strerror(errno)))")
        }
        close(fd)
        guard rename(temp, url.path) == 0 else {
            throw StoreError.io("cannot replace \(url.path): \(String(cString: strerror(errno)))")
        }
        ok = true
        let dirFD = open(directory, O_RDONLY | O_CLOEXEC)
        if dirFD >= 0 {
            fsync(dirFD)
            close(dirFD)
        }
    }

    /// A random client key: `sy-` and 40 characters of base62.
    public static func generateClientKey() -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
        var generator = SystemRandomNumberGenerator()
        return "sy-" + String((0..<40).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &generator)] })
    }

    public enum StoreError: Error, CustomStringConvertible {
        case io(String)
        public var description: String {
            switch self {
            case .io(let message): message
            }
        }
    }
}
