/// An entry of the completions log: a rollout that became final, in the order they did.
public struct Completion: Codable, Sendable, Equatable {
    /// The entry's place in the log; read on from here with `CompletionsRequest.after`.
    public var position: Int64
    public var rollout: Rollout

    public init(position: Int64, rollout: Rollout) {
        self.position = position
        self.rollout = rollout
    }
}

/// A read of the completions log after a position.
public struct CompletionsRequest: Codable, Sendable, Equatable {
    /// The last position already read; 0 reads from the beginning.
    public var after: Int64
    /// Only rollouts of this experiment.
    public var experiment: ExperimentID?
    public var limit: Int
    /// How long to wait when nothing new is there (a long poll); zero answers at once.
    public var wait: Duration

    public init(after: Int64 = 0, experiment: ExperimentID? = nil, limit: Int = 1000, wait: Duration = .seconds(10)) {
        self.after = after
        self.experiment = experiment
        self.limit = limit
        self.wait = wait
    }
}

/// What a completions read found, and where to read on.
public struct CompletionBatch: Codable, Sendable, Equatable {
    public var completions: [Completion]
    /// Pass as `after` to the next read (unchanged when nothing was found).
    public var cursor: Int64

    public init(completions: [Completion], cursor: Int64) {
        self.completions = completions
        self.cursor = cursor
    }
}
