/// What was wrong with a document that did not decode (an experiment spec, a request body), naming the
/// field as a person writes its path: `grpo.steps`, `messages[0].role`.
public struct DecodingProblem: Sendable, Equatable, CustomStringConvertible {
    /// The field's path; `nil` for the document as a whole.
    public let field: String?
    /// What was wrong with it, e.g. `missing` or `expected a whole number`.
    public let problem: String

    public init(_ error: DecodingError) {
        switch error {
        case .keyNotFound(let key, let context):
            (field, problem) = (Self.path(context.codingPath + [key]), "missing")
        case .typeMismatch(let type, let context):
            (field, problem) = (Self.path(context.codingPath), "expected \(Self.describe(type))")
        case .valueNotFound(let type, let context):
            (field, problem) = (Self.path(context.codingPath), "expected \(Self.describe(type)), found nothing")
        case .dataCorrupted(let context):
            (field, problem) = (Self.path(context.codingPath), context.debugDescription)
        @unknown default:
            (field, problem) = (nil, "\(error)")
        }
    }

    public var description: String { field.map { "\($0): \(problem)" } ?? problem }

    private static func path(_ keys: [any CodingKey]) -> String? {
        var path = ""
        for key in keys {
            if let index = key.intValue {
                path += "[\(index)]"
            } else {
                path += (path.isEmpty ? "" : ".") + key.stringValue
            }
        }
        return path.isEmpty ? nil : path
    }

    private static func describe(_ type: Any.Type) -> String {
        switch type {
        case is Int.Type, is Int32.Type, is Int64.Type, is UInt64.Type: "a whole number"
        case is Double.Type, is Float.Type: "a number"
        case is Bool.Type: "true or false"
        case is String.Type: "text"
        default: "\(type)".hasPrefix("Array<") ? "a list" : "\(type)"
        }
    }
}
