import ArgumentParser
import Dispatch
import Foundation
import RelayTestSupport

/// `fake-upstream`: runs a ``FakeUpstream`` as its own process for the Python end-to-end tests and
/// benchmarks.
///
/// Prints `fake-upstream listening on <baseURL>` once listening, writes the port to `--port-file`
/// (atomically: temporary file then rename), and runs until SIGTERM or SIGINT.
struct FakeUpstreamCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fake-upstream",
        abstract: "A fake Anthropic Messages / OpenAI Responses upstream for tests."
    )

    @Option(help: "Address to bind.")
    var host = "127.0.0.1"

    @Option(help: "Port to bind; 0 picks a free one.")
    var port = 0

    @Option(help: "Write the bound port number to this file (atomically) once listening.")
    var portFile: String?

    @Option(help: "PEM certificate chain; serve HTTPS (needs --tls-key).")
    var tlsCert: String?

    @Option(help: "PEM private key for --tls-cert.")
    var tlsKey: String?

    @Option(name: .customLong("control"), help: "Apply an x-fake-* control to every request, e.g. --control x-fake-status=500 (repeatable).")
    var controls: [String] = []

    @Option(help: "Answer this share (0-1) of requests with --failure-status, at random.")
    var failureRate: Double = 0

    @Option(help: "Status used by --failure-rate.")
    var failureStatus: Int = 500

    @Flag(help: "Do not keep received requests (benchmarks); counters still run.")
    var noRecord = false

    func validate() throws {
        if (tlsCert == nil) != (tlsKey == nil) {
            throw ValidationError("--tls-cert and --tls-key go together")
        }
    }

    func run() async throws {
        var tls: FakeUpstream.TLSFiles?
        if let tlsCert, let tlsKey {
            tls = FakeUpstream.TLSFiles(certificatePath: tlsCert, privateKeyPath: tlsKey)
        }
        // Take the signals before the server starts so an early SIGTERM is not lost.
        let signals = Self.stopSignals()
        var defaults: [String: String] = [:]
        for control in controls {
            let parts = control.split(separator: "=", maxSplits: 1)
            if parts.count == 2 { defaults[String(parts[0]).lowercased()] = String(parts[1]) }
        }
        try await FakeUpstream.withRunning(tls: tls, host: host, port: port, record: !noRecord) { fake in
            fake.setDefaultControls(defaults)
            fake.setRandomFailures(rate: failureRate, status: failureStatus)
            if let portFile {
                try Data("\(fake.port)\n".utf8).write(to: URL(fileURLWithPath: portFile), options: .atomic)
            }
            FileHandle.standardOutput.write(Data("fake-upstream listening on \(fake.baseURL)\n".utf8))
            var iterator = signals.stream.makeAsyncIterator()
            _ = await iterator.next()
        }
        withExtendedLifetime(signals.sources) {}
    }

    private static func stopSignals() -> (stream: AsyncStream<Int32>, sources: [any DispatchSourceSignal]) {
        let (stream, continuation) = AsyncStream<Int32>.makeStream()
        let sources = [SIGTERM, SIGINT].map { number -> any DispatchSourceSignal in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { continuation.yield(number) }
            source.resume()
            return source
        }
        return (stream, sources)
    }
}

// Spelled as an async closure so the async `main()` of AsyncParsableCommand is chosen over the
// synchronous one ParsableCommand also offers.
let entryPoint: @Sendable () async -> Void = { await FakeUpstreamCommand.main() }
await entryPoint()
