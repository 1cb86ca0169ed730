/// The tasks bundled with Fulmen, by name, so a command line can host them (`fulmen runner --tasks calc,sql`).
public enum BundledTasks {
    /// Every bundled task in its default configuration: calc, sql, maze.
    public static let all: [any BundledTask] = [CalcTask(), SQLTask(), MazeTask()]

    /// The names of ``all``, in order.
    public static var names: [String] { all.map(\.name) }

    /// The bundled task named `name`, in its default configuration.
    /// - Throws: ``TaskError/unknownTask(_:known:)`` naming the tasks there are.
    public static func named(_ name: String) throws(TaskError) -> any BundledTask {
        guard let task = all.first(where: { $0.name == name }) else { throw .unknownTask(name, known: names) }
        return task
    }
}
