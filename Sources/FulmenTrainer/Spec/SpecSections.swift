import FulmenModel

extension ExperimentSpec {
    /// The policy model: which one, and the threads its gradient steps use.
    public struct ModelSpec: SpecSection {
        /// The model's name in ``PolicyModels`` (`tiny`, `small`).
        public var preset = PolicyModels.default.name
        /// Threads for the trainer's gradient steps.
        public var threads = 1

        public init() {}

        public init(preset: String, threads: Int = 1) {
            self.preset = preset
            self.threads = threads
        }

        public init(from decoder: any Decoder) throws {
            self.init()
            let section = try decoder.section(of: self, keyedBy: CodingKeys.self)
            try section.update(&preset, .preset)
            try section.update(&threads, .threads)
        }

        func validate() throws(SpecError) {
            try SpecError.require(
                PolicyModels.named(preset) != nil, "preset",
                "must be one of \(PolicyModels.all.map(\.name).joined(separator: ", ")), not '\(preset)'")
            try SpecError.require(threads >= 1, "threads", "must be at least 1, got \(threads)")
        }
    }

    /// How many inputs the task's seeded split draws for training and for validation (never the same).
    public struct SplitSpec: SpecSection {
        public var train = 2000
        public var validation = 200

        public init() {}

        public init(train: Int, validation: Int) {
            self.train = train
            self.validation = validation
        }

        public init(from decoder: any Decoder) throws {
            self.init()
            let section = try decoder.section(of: self, keyedBy: CodingKeys.self)
            try section.update(&train, .train)
            try section.update(&validation, .validation)
        }
    }

    /// Greedy validation rollouts every `every` steps of each phase (and before and after).
    public struct EvaluationSpec: SpecSection {
        public var every = 50
        /// How many validation inputs each evaluation plays; at most the split's validation size.
        public var problems = 200

        public init() {}

        public init(every: Int, problems: Int) {
            self.every = every
            self.problems = problems
        }

        public init(from decoder: any Decoder) throws {
            self.init()
            let section = try decoder.section(of: self, keyedBy: CodingKeys.self)
            try section.update(&every, .every)
            try section.update(&problems, .problems)
        }
    }

    /// An agent that is a program: each episode runs `command` with the task on standard input and the
    /// pool's OpenAI-compatible endpoint in its environment (see `CommandAgent`).
    public struct AgentSpec: SpecSection {
        /// The program and its arguments.
        public var command: [String] = []
        /// Seconds one episode's process may run; 300 when left out.
        public var timeout: Double?

        public init() {}

        public init(command: [String], timeout: Double? = nil) {
            self.command = command
            self.timeout = timeout
        }

        public init(from decoder: any Decoder) throws {
            self.init()
            let section = try decoder.section(of: self, keyedBy: CodingKeys.self)
            command = try section.decode([String].self, forKey: .command)
            try section.update(&timeout, .timeout)
        }
    }
}
