/// Bytes that do not form a valid value of Fulmen's binary coding (or of a format built on its
/// readers, such as the actor system's envelopes).
public enum BinaryFormatError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The input ended before `what` was complete.
    case truncated(String, needed: Int, remaining: Int)
    /// The input is complete but not well formed.
    case malformed(String)
    /// A value of one type was found where another was expected.
    case typeMismatch(expected: String, found: String, at: String)
    /// A field the type requires is absent.
    case missingKey(String, at: String)
    /// Containers are nested deeper than the decoder allows.
    case tooDeep(limit: Int)

    public var description: String {
        switch self {
        case let .truncated(what, needed, remaining):
            "truncated input: \(what) needs \(needed) bytes, \(remaining) left"
        case let .malformed(what):
            "malformed input: \(what)"
        case let .typeMismatch(expected, found, path):
            "type mismatch at \(path.isEmpty ? "top level" : path): expected \(expected), found \(found)"
        case let .missingKey(key, path):
            "missing key '\(key)' at \(path.isEmpty ? "top level" : path)"
        case let .tooDeep(limit):
            "containers nested deeper than \(limit) levels"
        }
    }
}
