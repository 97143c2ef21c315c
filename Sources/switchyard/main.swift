import ArgumentParser
import Foundation
import Hummingbird
import Logging
import RelayConfig
import RelayServer

@main
struct Switchyard: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "switchyard",
        abstract: "A relay for coding agents: Claude Code, Codex CLI and SDK apps in front of many upstream keys.",
        subcommands: [Serve.self, Config.self, Version.self],
        defaultSubcommand: Serve.self
    )
}

struct DataDirOption: ParsableArguments {
    @Option(name: .long, help: "Data directory holding all_configs.json (env SWITCHYARD_DATA_DIR; default json_data).")
    var dataDir: String?

    var url: URL {
        let path = dataDir ?? ProcessInfo.processInfo.environment["SWITCHYARD_DATA_DIR"] ?? "json_data"
        return URL(fileURLWithPath: path, isDirectory: true)
    }
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the relay.")

    @OptionGroup var data: DataDirOption
    @Option(help: "Address to listen on (overrides server.host; default 127.0.0.1).") var host: String?
    @Option(help: "Port to listen on (overrides server.port; default 5101).") var port: Int?
    @Option(help: "Log level: trace, debug, info, notice, warning, error.") var logLevel: String = "info"

    func run() async throws {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = Logger.Level(rawValue: logLevel) ?? .info
            return handler
        }
        let logger = Logger(label: "switchyard")
        let store = ConfigStore(dataDirectory: data.url)
        let outcome: ConfigStore.LoadOutcome
        do {
            outcome = try store.load(environment: ProcessInfo.processInfo.environment)
        } catch {
            FileHandle.standardError.write(Data("switchyard: \(error)\n".utf8))
            throw ExitCode(2)
        }
        let admin = try AdminCredential.prepare(store: store, config: outcome.config, environment: ProcessInfo.processInfo.environment)
        let config = admin.config
        let host = host ?? config.server.host
        let port = port ?? config.server.port
        if let key = outcome.createdStarterWithKey {
            say("Created a starter config at \(store.configURL.path) (mode 0600).")
            say("Your client key (shown once; it is stored in that file): \(key)")
            say("Add an upstream: edit the file's pools.claude / pools.codex lists (see docs/CONFIG.md), then restart.")
        }
        if let token = admin.generatedToken {
            say("Admin token for the web UI and /api (shown once; only its SHA-256 is stored, as admin.token_sha256): \(token)")
        }
        if let backup = outcome.migratedBackup {
            say("Migrated a codex_cc_switch config to the Switchyard format; the original is kept at \(backup.path).")
            for note in outcome.migrationNotes { say("  note: \(note)") }
        }
        let app = try SwitchyardApp.build(
            config: config, host: host, port: port, logger: logger, store: store, environment: ProcessInfo.processInfo.environment
        ) { bound in
            let banner = SwitchyardApp.banner(config: config, host: host, port: bound, configPath: store.configURL.path)
            FileHandle.standardOutput.write(Data((banner.joined(separator: "\n") + "\n").utf8))
        }
        try await app.runService()
    }
}

/// Writes a line to stdout at once (the banner must appear before the server blocks).
func say(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}

struct Config: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Inspect the config.", subcommands: [Check.self])

    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Validate all_configs.json and print every problem with its field path.")
        @OptionGroup var data: DataDirOption

        func run() async throws {
            let store = ConfigStore(dataDirectory: data.url)
            do {
                let bytes = try Data(contentsOf: store.configURL)
                let config = try store.decodeAndValidate(bytes, environment: ProcessInfo.processInfo.environment, path: store.configURL.path)
                print("\(store.configURL.path): valid")
                for warning in config.warnings { print("warning: \(warning)") }
            } catch {
                print("\(error)")
                throw ExitCode(1)
            }
        }
    }
}

struct Version: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print the version.")
    func run() { print("switchyard 0.1.0") }
}
