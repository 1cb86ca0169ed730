/// Why a bundled task refused a request. Its description names what was wrong, so a rollout failed by it
/// (or a CLI command) says what to fix.
public enum TaskError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A task input is not one the task can play, e.g. a calc operand with too many digits or a maze whose
    /// goal cannot be reached.
    case invalidInput(task: String, reason: String)
    /// A task's configuration, or a split asked of it, is impossible, e.g. more distinct problems than
    /// its digit range holds.
    case invalidConfiguration(task: String, reason: String)
    /// No bundled task has this name.
    case unknownTask(String, known: [String])

    public var description: String {
        switch self {
        case .invalidInput(let task, let reason): "invalid '\(task)' input: \(reason)"
        case .invalidConfiguration(let task, let reason): "invalid '\(task)' configuration: \(reason)"
        case .unknownTask(let name, let known):
            "there is no bundled task named '\(name)' (bundled tasks: \(known.joined(separator: ", ")))"
        }
    }
}
