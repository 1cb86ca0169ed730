/// A request the store refused, and why. It reaches remote callers intact: decode it from the
/// `RemoteError` with `decode(as: StoreError.self)`.
public struct StoreError: Error, Codable, Sendable, Equatable, CustomStringConvertible {
    public enum Code: String, Codable, Sendable {
        /// No record has the id given.
        case notFound
        /// The calling worker is not registered (the store may have lost it, as a store in memory
        /// does when restarted): register it again.
        case unknownWorker
        /// The caller's role may not make this call; the message names the call and the role.
        case permissionDenied
        /// The request is malformed or out of bounds; the message names the field.
        case invalidArgument
        /// The id is taken by a different record.
        case conflict
        /// A status move the status machine does not allow.
        case illegalTransition
        /// The database failed.
        case storage
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code.rawValue): \(message)" }
}
