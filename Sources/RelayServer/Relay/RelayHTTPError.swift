public import HTTPTypes
public import Hummingbird
public import RelayCore

/// An error the relay itself answers with, rendered in the dialect of the endpoint called.
public struct RelayHTTPError: Error, Sendable {
    public var status: HTTPResponse.Status
    public var dialect: ClientDialect
    public var code: String
    public var message: String
    public var headers: HTTPFields

    public init(_ status: HTTPResponse.Status, dialect: ClientDialect, code: String, message: String, headers: HTTPFields = [:]) {
        self.status = status
        self.dialect = dialect
        self.code = code
        self.message = message
        self.headers = headers
    }

    public func response(requestID: String) -> Response {
        let body = dialect.errorBody(status: status.code, code: code, message: message, requestID: requestID)
        var headers = self.headers
        headers[.contentType] = "application/json"
        if let name = HTTPField.Name("x-switchyard-request-id") { headers[name] = requestID }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: body)))
    }
}
