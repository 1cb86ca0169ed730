/// A key, key file or allow-list that cannot be used; the message names the file, the line and
/// what was wrong, never the bytes of a secret key.
public struct SecurityError: Error, Equatable, Sendable, CustomStringConvertible {
    public let description: String

    init(_ description: String) {
        self.description = description
    }
}
