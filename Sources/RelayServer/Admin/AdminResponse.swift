import Foundation
import Hummingbird
import RelayConfig
import RelayCore

/// An admin API failure with its status, error type and, for validation, field-path issues.
///
/// Rendered as `{"error":{"message","type"},"issues":[{"path","message"}]}`. Messages never
/// contain secrets: they name fields by path, not by value.
struct AdminFailure: Error, Sendable {
    var status: HTTPResponse.Status
    var type: String
    var message: String
    var issues: [ConfigIssue] = []
    var extra: [(String, JSONValue)] = []
    var headers: HTTPFields = [:]

    static func badRequest(_ message: String) -> AdminFailure { AdminFailure(status: .badRequest, type: "invalid_request_error", message: message) }
    static func notFound(_ message: String) -> AdminFailure { AdminFailure(status: .notFound, type: "not_found_error", message: message) }
    static func invalid(_ issues: [ConfigIssue], message: String = "the change is not valid; nothing was saved") -> AdminFailure {
        AdminFailure(status: .unprocessableContent, type: "invalid_request_error", message: message, issues: issues)
    }
    static func unauthorized(_ message: String) -> AdminFailure {
        var headers = HTTPFields()
        headers[.wwwAuthenticate] = #"Bearer realm="switchyard-admin""#
        return AdminFailure(status: .unauthorized, type: "authentication_error", message: message, headers: headers)
    }
    static func forbidden(_ message: String) -> AdminFailure { AdminFailure(status: .forbidden, type: "permission_error", message: message) }

    var body: JSONValue {
        var error = JSONObject()
        error["message"] = .string(message)
        error["type"] = .string(type)
        var object = JSONObject()
        object["error"] = .object(error)
        if !issues.isEmpty { object["issues"] = AdminJSON.issues(issues) }
        for (key, value) in extra { object[key] = value }
        return .object(object)
    }

    var response: Response { AdminJSON.response(body, status: status, headers: headers) }
}

enum AdminJSON {
    static func response(_ value: JSONValue, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response {
        var headers = headers
        headers[.contentType] = "application/json; charset=utf-8"
        headers[.cacheControl] = "no-store"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: value.serialized())))
    }

    /// A response carrying the config version in the body (by the caller) and as `ETag`.
    static func response(_ value: JSONValue, version: String, status: HTTPResponse.Status = .ok) -> Response {
        var headers = HTTPFields()
        headers[.eTag] = "\"\(version)\""
        return response(value, status: status, headers: headers)
    }

    static func issues(_ issues: [ConfigIssue]) -> JSONValue {
        .array(issues.map { issue in .object(["path": .string(issue.path), "message": .string(issue.message)]) })
    }

    static func object(_ members: [(String, JSONValue)]) -> JSONValue {
        var object = JSONObject()
        for (key, value) in members { object[key] = value }
        return .object(object)
    }

    /// Reads a JSON body of at most `limit` bytes; nil for an empty body.
    static func body(_ request: Request, limit: Int = 4 << 20) async throws(AdminFailure) -> JSONValue? {
        let buffer: ByteBuffer
        do {
            var request = request
            buffer = try await request.collectBody(upTo: limit)
        } catch {
            throw AdminFailure(status: .contentTooLarge, type: "invalid_request_error", message: "the request body is larger than \(limit) bytes")
        }
        guard buffer.readableBytes > 0 else { return nil }
        let bytes = buffer.readableBytesView
        do {
            return try JSONValue.parse(bytes, maxDepth: 64)
        } catch {
            throw AdminFailure.badRequest("the request body is not valid JSON (\(error.message) at byte \(error.offset))")
        }
    }
}
