import Foundation
import FulmenCore
import HTTPTypes
import Hummingbird
import NIOCore

/// A refused request, answered the way OpenAI's API answers: an HTTP status and a body
/// `{"error": {"message", "type", "param", "code"}}`, which OpenAI client libraries turn into their own errors.
struct OpenAIError: HTTPResponseError, Equatable {
    let status: HTTPResponse.Status
    let message: String
    let type: String
    let param: String?
    let code: String?

    init(_ status: HTTPResponse.Status, _ message: String, type: String, param: String? = nil, code: String? = nil) {
        self.status = status
        self.message = message
        self.type = type
        self.param = param
        self.code = code
    }

    static func invalidRequest(_ message: String, param: String? = nil, code: String? = nil) -> OpenAIError {
        OpenAIError(.badRequest, message, type: "invalid_request_error", param: param, code: code)
    }

    private struct Body: Encodable {
        struct Detail: Encodable {
            let message: String
            let type: String
            let param: String?
            let code: String?

            func encode(to encoder: any Encoder) throws {
                var container = encoder.container(keyedBy: CodingKeys.self)
                try container.encode(message, forKey: .message)
                try container.encode(type, forKey: .type)
                // OpenAI writes absent `param` and `code` as null, not leaves them out.
                try container.encode(param, forKey: .param)
                try container.encode(code, forKey: .code)
            }

            enum CodingKeys: String, CodingKey { case message, type, param, code }
        }

        let error: Detail
    }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        let body = Body(error: .init(message: message, type: type, param: param, code: code))
        return try JSONResponse.make(body, status: status)
    }
}

/// JSON responses, written the same way everywhere.
enum JSONResponse {
    static func make(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        let data = try encoder.encode(value)
        return Response(
            status: status, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }

    static var encoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        return encoder
    }
}
