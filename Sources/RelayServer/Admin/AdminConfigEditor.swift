import Foundation
import HTTPTypes
import Logging
import RelayConfig
import RelayCore
import Synchronization

/// The lists the admin API edits entry by entry.
enum AdminList: String, Sendable, CaseIterable {
    case claude, codex, openai
    case retryNodes = "retry_nodes"
    case modelRules = "model_rules"
    case clients

    static let upstreamLists: [AdminList] = [.claude, .codex, .openai, .retryNodes]

    /// Key path in the config document.
    var keys: [String] {
        switch self {
        case .claude, .codex, .openai: ["pools", rawValue]
        case .retryNodes, .modelRules, .clients: [rawValue]
        }
    }

    var pathString: String { keys.joined(separator: ".") }

    var pool: PoolName? { PoolName(rawValue: rawValue) }

    /// Formats an entry of this list may have (as the validator decides).
    var formats: [WireFormat] { (pool ?? .claude).servableFormats }

    /// Name given to an entry without one: `<list>-N`.
    var defaultNamePrefix: String {
        switch self {
        case .retryNodes: "retry"
        case .modelRules: "rule"
        case .clients: "client"
        default: rawValue
        }
    }
}

/// Applies admin edits to the config: one at a time, checked, backed up, saved, swapped in.
///
/// Every mutation: take the newest config (a valid hand edit on disk that the watcher has not
/// applied yet is adopted first, an invalid one blocks edits so it is not overwritten) → check
/// the expected version → edit the JSON document → put stored secrets back for masked values →
/// decode and validate (field paths) → keep the file being replaced as a numbered backup →
/// atomic save → `ConfigHolder.replace`. New requests see the change at once; in-flight
/// requests keep their snapshot; health of unchanged upstreams is kept (it is keyed by identity).
final class AdminConfigEditor: Sendable {
    let runtime: RelayRuntime
    let store: ConfigStore?
    let environment: [String: String]
    private let lock = Mutex<Int>(0)

    init(runtime: RelayRuntime, store: ConfigStore?, environment: [String: String]) {
        self.runtime = runtime
        self.store = store
        self.environment = environment
    }

    /// The config version: a hash of the config's canonical JSON (stable across restarts,
    /// changes with any edit, by the API or by hand).
    static func version(of file: ConfigFile) -> String {
        String(SHA256.hexString(SHA256.hash(Array(canonicalData(file)))).prefix(16))
    }

    static func canonicalData(_ file: ConfigFile) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(file)) ?? Data()
    }

    static func document(_ file: ConfigFile) -> JSONValue {
        (try? JSONValue.parse(canonicalData(file))) ?? .object(JSONObject())
    }

    /// The running config and its version.
    func current() -> (config: RuntimeConfig, version: String) {
        let config = runtime.configs.snapshot
        return (config, Self.version(of: config.file))
    }

    struct Outcome: Sendable {
        var config: RuntimeConfig
        var version: String
        /// The new document, unmasked (callers mask what they return).
        var document: JSONValue
        var changed: Bool
    }

    /// Runs one mutation. `edit` changes the (unmasked) document; it may throw to refuse.
    func mutate(expected: String?, _ edit: (inout JSONValue, RuntimeConfig) throws(AdminFailure) -> Void) throws(AdminFailure) -> Outcome {
        let result: Result<Outcome, AdminFailure> = lock.withLock { saves in
            do throws(AdminFailure) {
                let outcome = try mutateLocked(expected: expected, edit)
                if outcome.changed { saves += 1 }
                return .success(outcome)
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    private func mutateLocked(expected: String?, _ edit: (inout JSONValue, RuntimeConfig) throws(AdminFailure) -> Void) throws(AdminFailure) -> Outcome {
        if let expected, expected.utf8.count > 200 { throw AdminFailure.badRequest("If-Match / version is longer than 200 characters") }
        let (base, diskBytes) = try newestConfig()
        let baseVersion = Self.version(of: base.file)
        if let expected, !Self.versionMatches(expected, baseVersion) {
            throw AdminFailure(
                status: .conflict, type: "conflict_error",
                message: "the config changed since version \(Self.sanitize(expected)) (now \(baseVersion)); reload it and apply your change again",
                extra: [("version", .string(baseVersion))])
        }
        let stored = Self.document(base.file)
        var document = stored
        try edit(&document, base)
        // The admin token's hash is not editable through the API: keep the stored one.
        if let hash = stored.value(at: ["admin", "token_sha256"]) {
            document.set(hash, at: ["admin", "token_sha256"])
        } else if var admin = document["admin"]?.objectValue, admin["token_sha256"] != nil {
            admin["token_sha256"] = nil
            document.set(.object(admin), at: ["admin"])
        }
        let (restored, secretIssues) = AdminSecrets.restore(document, stored: stored)
        if !secretIssues.isEmpty {
            throw AdminFailure(
                status: .conflict, type: "conflict_error",
                message: "a masked secret does not match exactly one stored secret (changed meanwhile?); send the full value", issues: secretIssues)
        }
        let updated = try validate(restored)
        let newVersion = Self.version(of: updated.file)
        guard updated.file != base.file else {
            return Outcome(config: base, version: baseVersion, document: Self.document(base.file), changed: false)
        }
        if let store {
            do {
                let previous = diskBytes ?? Self.prettyData(base.file)
                try store.backups.add(previous)
                try store.save(updated.file)
            } catch {
                runtime.logger.error("admin save failed", metadata: ["error": "\(error)"])
                throw AdminFailure(status: .internalServerError, type: "api_error", message: "the config could not be saved: \(error)")
            }
        }
        runtime.configs.replace(with: updated)
        runtime.logger.info("config changed through the admin API", metadata: ["version": "\(newVersion)"])
        for warning in updated.warnings where !base.warnings.contains(warning) { runtime.logger.warning("\(warning)") }
        return Outcome(config: updated, version: newVersion, document: Self.document(updated.file), changed: true)
    }

    /// The running snapshot, or a newer valid file on disk (adopted now). An invalid file on
    /// disk blocks edits: saving over it would throw away someone's hand edit.
    private func newestConfig() throws(AdminFailure) -> (RuntimeConfig, Data?) {
        let snapshot = runtime.configs.snapshot
        guard let store, let data = try? Data(contentsOf: store.configURL) else { return (snapshot, nil) }
        do {
            let disk = try store.decodeAndValidate(data, environment: environment, path: store.configURL.path)
            if disk.file != snapshot.file {
                runtime.configs.replace(with: disk)
                return (disk, data)
            }
            return (snapshot, data)
        } catch {
            throw AdminFailure(
                status: .conflict, type: "conflict_error",
                message: "all_configs.json was edited by hand and is not valid; fix the file (the problems are listed) before editing here",
                issues: error.issues)
        }
    }

    /// Decodes and validates a document, with field paths. Conflicts that a request schema
    /// cannot rule out (duplicate names or keys, a maximum below its minimum) answer 409.
    func validate(_ document: JSONValue) throws(AdminFailure) -> RuntimeConfig {
        let checker = store ?? ConfigStore(dataDirectory: URL(fileURLWithPath: "/nonexistent"))
        do {
            return try checker.decodeAndValidate(Data(document.serialized().utf8), environment: environment)
        } catch {
            let conflicts = error.issues.filter(Self.isConflict)
            if !conflicts.isEmpty, conflicts.count == error.issues.count {
                throw AdminFailure(
                    status: .conflict, type: "conflict_error", message: "the change conflicts with the rest of the config; nothing was saved",
                    issues: error.issues)
            }
            throw AdminFailure.invalid(error.issues)
        }
    }

    static func isConflict(_ issue: ConfigIssue) -> Bool {
        issue.message.contains("duplicates") || issue.message.contains("must be at least cooldown_seconds")
            || issue.message.contains("must be at least backoff_base_ms")
    }

    static func prettyData(_ file: ConfigFile) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(file)) ?? Data()
    }

    /// `If-Match` semantics: `*`, a list, quoted or weak tags all accepted.
    static func versionMatches(_ expected: String, _ actual: String) -> Bool {
        for raw in expected.split(separator: ",") {
            var tag = raw.trimmingCharacters(in: .whitespaces)
            if tag == "*" { return true }
            if tag.hasPrefix("W/") { tag.removeFirst(2) }
            if tag.hasPrefix("\""), tag.hasSuffix("\""), tag.count >= 2 { tag = String(tag.dropFirst().dropLast()) }
            if tag == actual { return true }
        }
        return false
    }

    static func sanitize(_ text: String) -> String {
        String(text.prefix(64).filter { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "\"" })
    }

    /// Re-reads the file now (`POST /api/reload`), serialized with the edits.
    func reload() -> ConfigReloader.Outcome {
        lock.withLock { _ in
            guard let store else { return .unchanged }
            return ConfigReloader(runtime: runtime, store: store, environment: environment).reload()
        }
    }
}

// MARK: - Document helpers

extension JSONValue {
    /// The value at a key path of objects.
    func value(at keys: [String]) -> JSONValue? {
        var current: JSONValue? = self
        for key in keys { current = current?[key] }
        return current
    }

    /// Sets the value at a key path of objects, creating objects on the way.
    mutating func set(_ value: JSONValue, at keys: [String]) {
        guard let first = keys.first else {
            self = value
            return
        }
        var object = objectValue ?? JSONObject()
        var child = object[first] ?? .object(JSONObject())
        child.set(value, at: Array(keys.dropFirst()))
        object[first] = child
        self = .object(object)
    }

    func list(_ list: AdminList) -> [JSONValue] { value(at: list.keys)?.arrayValue ?? [] }

    mutating func setList(_ list: AdminList, _ items: [JSONValue]) { set(.array(items), at: list.keys) }

    /// Shallow merge: members of `patch` replace those of `self`; a `null` member removes the key.
    func merged(with patch: JSONObject) -> JSONValue {
        var object = objectValue ?? JSONObject()
        for member in patch.members {
            if member.value.isNull { object[member.key] = nil } else { object[member.key] = member.value }
        }
        return .object(object)
    }
}
