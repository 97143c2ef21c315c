import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOSSL
import RelayConfig
import RelayCore
import RelayTestSupport
import Testing

/// A throwaway CA-less self-signed certificate for localhost / 127.0.0.1, made with openssl.
struct TestCertificate {
    let directory: URL
    var certificate: String { directory.appendingPathComponent("cert.pem").path }
    var privateKey: String { directory.appendingPathComponent("key.pem").path }

    static func make() throws -> TestCertificate {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sy-tls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let made = TestCertificate(directory: directory)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=localhost",
            "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1", "-keyout", made.privateKey, "-out", made.certificate,
        ]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw CocoaError(.fileWriteUnknown) }
        return made
    }
}

@Suite(.serialized) struct TLSTests {
    @Test func httpsUpstreamIsTrustedOnlyWithItsCAFile() async throws {
        let cert = try TestCertificate.make()
        defer { try? FileManager.default.removeItem(at: cert.directory) }
        let tls = FakeUpstream.TLSFiles(certificatePath: cert.certificate, privateKeyPath: cert.privateKey)
        try await FakeUpstream.withRunning(tls: tls) { fake in
            #expect(fake.baseURL.hasPrefix("https://"))
            let trusted = RelayHarness.config(fake: fake) { $0.pools.claude[0].caFile = cert.certificate }
            try await RelayHarness.run(trusted) { relay in
                let answer = try await relay.post("/v1/messages", json: messagesBody(stream: true))
                #expect(answer.status == 200)
                #expect(answer.body.contains("message_stop"))
            }
            // Without the CA file the system trust store rejects the self-signed certificate.
            try await RelayHarness.run(RelayHarness.config(fake: fake)) { relay in
                let answer = try await relay.post("/v1/messages", json: messagesBody(stream: false))
                #expect(answer.status == 502)
                #expect(try JSONValue.parse(answer.body)["error"]?["type"]?.stringValue == "api_error")
                #expect(!answer.body.contains(fake.baseURL), "no upstream URL in client errors")
            }
            #expect(fake.requests().count == 1)
        }
    }

    @Test func http2IsNegotiatedWithUpstreamsThatOfferIt() async throws {
        let cert = try TestCertificate.make()
        defer { try? FileManager.default.removeItem(at: cert.directory) }
        let tls = FakeUpstream.TLSFiles(certificatePath: cert.certificate, privateKeyPath: cert.privateKey)
        try await FakeUpstream.withRunning(tls: tls, http2: true) { fake in
            let file = RelayHarness.config(fake: fake) { $0.pools.claude[0].caFile = cert.certificate }
            try await RelayHarness.run(file) { relay in
                let streamed = try await relay.post("/v1/messages", json: messagesBody(stream: true))
                #expect(streamed.status == 200)
                #expect(streamed.body.contains("message_stop"))
                let plain = try await relay.post("/v1/messages", json: messagesBody(stream: false))
                #expect(plain.status == 200)
            }
            let recorded = fake.requests()
            #expect(recorded.count == 2)
            #expect(recorded.allSatisfy { $0.header(":http-version") == "2" }, "the relay spoke HTTP/2 to the upstream")
        }
        // The same fake over HTTP/1.1 records no such marker.
        try await FakeUpstream.withRunning(tls: tls) { fake in
            let file = RelayHarness.config(fake: fake) { $0.pools.claude[0].caFile = cert.certificate }
            try await RelayHarness.run(file) { relay in
                _ = try await relay.post("/v1/messages", json: messagesBody(stream: false))
            }
            #expect(fake.requests().first?.header(":http-version") == nil)
        }
    }

    @Test func listenerServesTLS() async throws {
        let cert = try TestCertificate.make()
        defer { try? FileManager.default.removeItem(at: cert.directory) }
        try await FakeUpstream.withRunning { fake in
            let file = RelayHarness.config(fake: fake) { $0.server.tls = TLSFiles(certificate: cert.certificate, privateKey: cert.privateKey) }
            try await RelayHarness.run(file) { relay in
                var tls = TLSConfiguration.makeClientConfiguration()
                tls.additionalTrustRoots = [.file(cert.certificate)]
                let client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: .init(tlsConfiguration: tls))
                var request = HTTPClientRequest(url: "https://localhost:\(relay.port)/v1/messages")
                request.method = .POST
                request.headers.add(name: "x-api-key", value: RelayHarness.clientKey)
                request.body = .bytes(ByteBuffer(string: messagesBody(stream: false)))
                let status: Int
                do {
                    let response = try await client.execute(request, timeout: .seconds(10))
                    status = Int(response.status.code)
                    _ = try await response.body.collect(upTo: 1 << 20)
                } catch {
                    try await client.shutdown()
                    throw error
                }
                try await client.shutdown()
                #expect(status == 200)
            }
        }
    }

    @Test func refusedUpstreamFailsFastWith502() async throws {
        try await FakeUpstream.withRunning { fake in
            let file = RelayHarness.config(fake: fake) { $0.pools.claude[0].baseURL = "http://127.0.0.1:9" }
            try await RelayHarness.run(file) { relay in
                let answer = try await relay.post("/v1/messages", json: messagesBody(stream: true))
                #expect(answer.status == 502)
                let error = try JSONValue.parse(answer.body)["error"]
                #expect(error?["code"]?.stringValue == "upstream_unreachable")
                // connect_error, not connect_timeout: the refusal is reported, not retried until the timeout.
                #expect(error?["message"]?.stringValue?.contains("connect_error") == true)
            }
        }
    }
}
