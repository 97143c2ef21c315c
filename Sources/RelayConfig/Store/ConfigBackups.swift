public import Foundation

/// Numbered copies of earlier config files in `backups/`: `all_configs.000001.json`,
/// `all_configs.000002.json`, … (mode 0600, directory 0700). Every admin save keeps the file it
/// replaces; only the newest `keep` numbered copies stay. Other backups in the directory (the
/// original project's file kept by the migration) are never pruned.
public struct ConfigBackups: Sendable {
    public let directory: URL
    public let keep: Int

    public init(directory: URL, keep: Int = 20) {
        self.directory = directory
        self.keep = max(1, keep)
    }

    /// One numbered backup.
    public struct Entry: Sendable, Equatable {
        public var number: Int
        public var url: URL
    }

    /// Writes `data` as the next numbered backup, prunes the oldest beyond `keep`, returns its URL.
    @discardableResult
    public func add(_ data: Data) throws -> URL {
        if !FileManager.default.fileExists(atPath: directory.path) {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        }
        let existing = list()
        let number = (existing.last?.number ?? 0) + 1
        let url = directory.appendingPathComponent(Self.fileName(number))
        try ConfigStore.writeAtomically(data, to: url)
        let all = existing + [Entry(number: number, url: url)]
        for old in all.dropLast(keep) {
            try? FileManager.default.removeItem(at: old.url)
        }
        return url
    }

    /// Numbered backups, oldest first.
    public func list() -> [Entry] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.compactMap { name -> Entry? in
            guard name.hasPrefix("all_configs."), name.hasSuffix(".json") else { return nil }
            let middle = name.dropFirst("all_configs.".count).dropLast(".json".count)
            guard !middle.isEmpty, middle.allSatisfy(\.isNumber), let number = Int(middle) else { return nil }
            return Entry(number: number, url: directory.appendingPathComponent(name))
        }.sorted { $0.number < $1.number }
    }

    static func fileName(_ number: Int) -> String {
        let digits = String(number)
        return "all_configs." + String(repeating: "0", count: max(0, 6 - digits.count)) + digits + ".json"
    }
}

extension ConfigStore {
    /// The numbered backups of this store's config (last 20 kept).
    public var backups: ConfigBackups { ConfigBackups(directory: backupDirectory) }
}
