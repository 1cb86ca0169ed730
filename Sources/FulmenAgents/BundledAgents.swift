public import FulmenRunner
public import FulmenTasks

/// A bundled task together with the agent that plays it with the policy model.
public protocol PlayableTask: BundledTask {
    /// The agent that plays the task with the policy model.
    associatedtype TaskAgent: Agent where TaskAgent.Input == Input
    /// The agent, configured like this task.
    var agent: TaskAgent { get }
}

extension CalcTask: PlayableTask {
    public var agent: CalcAgent { CalcAgent() }
}

extension SQLTask: PlayableTask {
    public var agent: SQLAgent { SQLAgent(maxQueries: maxQueries, contextLength: contextLength) }
}

extension MazeTask: PlayableTask {
    public var agent: MazeAgent { MazeAgent(contextLength: modelContextLength) }
}

/// The agents of the bundled tasks, for runner pools that host them (`fulmen runner --tasks calc,sql`).
public enum BundledAgents {
    /// The agent of each task in `tasks` (every bundled task by default), in the same order.
    public static func agents(for tasks: [any BundledTask] = BundledTasks.all) -> [any Agent] {
        tasks.map(agent(for:))
    }

    /// The agent that plays `task`, configured like it.
    public static func agent(for task: any BundledTask) -> any Agent {
        guard let playable = task as? any PlayableTask else {
            preconditionFailure("bundled task \(task.name) has no agent: it must conform to PlayableTask")
        }
        return playable.agent
    }
}
