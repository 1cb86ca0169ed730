/// An error from the model engine: an invalid configuration, input or checkpoint.
///
/// The message says what was wrong and, for checkpoints, where; it is meant to be shown to a person as is.
public struct ModelError: Error, CustomStringConvertible, Sendable, Equatable {
    /// What went wrong, in words.
    public let message: String

    package init(_ message: String) { self.message = message }

    public var description: String { message }
}
