import FulmenTrainer

/// A request the training API refuses, on either face: the HTTP face answers it with a status and
/// `{"error": {"message": …, "field": …}}`; the distributed face throws it, and a caller gets it back with
/// `RemoteError.decode(as: TrainingAPIRefusal.self)`.
public struct TrainingAPIRefusal: Error, Codable, Sendable, CustomStringConvertible {
    public enum Kind: String, Codable, Sendable {
        /// A field of the request is wrong (HTTP 400); ``field`` names it.
        case invalid
        /// No token, or a wrong one (HTTP 401).
        case unauthorized
        /// The request does not fit the phase's state (HTTP 409).
        case conflict
    }

    public var kind: Kind
    public var message: String
    /// The request's field at fault, snake_case as the HTTP face's JSON writes it.
    public var field: String?

    public init(_ kind: Kind, _ message: String, field: String? = nil) {
        self.kind = kind
        self.message = message
        self.field = field
    }

    /// A wrong `field`, with what is wrong with it.
    static func invalid(_ field: String, _ problem: String) -> Self { Self(.invalid, "\(field): \(problem)", field: field) }

    static func conflict(_ problem: String) -> Self { Self(.conflict, problem) }

    static let unauthorized = Self(.unauthorized, "send the training API's token (HTTP: 'Authorization: Bearer TOKEN')")

    /// Runs `body`, refusing a ``TrainingError`` (samples the model cannot learn from, say) as a bad `samples`.
    static func refusingTrainingErrors<Value>(
        isolation: isolated (any Actor)? = #isolation, _ body: () async throws -> Value
    ) async throws -> Value {
        do {
            return try await body()
        } catch let error as TrainingError {
            throw invalid("samples", "\(error)")
        }
    }

    public var description: String { "training API refused the request: \(message)" }
}
