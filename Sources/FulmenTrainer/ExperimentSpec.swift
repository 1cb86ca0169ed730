public import FulmenTasks
import Foundation
public import FulmenCore
import Yams

/// What an experiment trains, and how: the task, the policy model, an optional SFT warm start, an optional
/// GRPO phase, evaluation and checkpoints. Written as YAML (`fulmen submit calc.yaml`); every field but
/// `task` has a default.
///
/// ```yaml
/// task: calc
/// model: { preset: tiny }
/// sft: { steps: 400, batchSize: 32, learningRate: 0.001 }
/// grpo: { steps: 200, problemsPerStep: 16, groupSize: 8, learningRate: 0.0001 }
/// evaluation: { every: 50, problems: 200 }
/// ```
public struct ExperimentSpec: Codable, Sendable, Equatable {
    /// The bundled task to train on (`calc`, `sql`, `maze`).
    public var task: String
    public var model: ModelSpec
    /// Seeds the split, the model's initialisation and the order of training problems.
    public var seed: UInt64
    /// How many training and validation inputs the task's split draws.
    public var split: SplitSpec
    /// The supervised warm start, if any.
    public var sft: SFTSpec?
    /// Reinforcement learning with GRPO, if any.
    public var grpo: GRPOSpec?
    /// A search over the values of a resource other than the weights, after the other phases, if any.
    public var search: SearchSpec?
    public var evaluation: EvaluationSpec
    /// How episodes become training samples.
    public var adapter: AdapterOptions
    /// Checkpoint every this many steps (and at the end).
    public var checkpointEvery: Int
    /// The agent that plays the episodes when it is a program of the user's rather than the task's bundled
    /// agent. `fulmen up` runs it; separate runner pools are given their command themselves (`fulmen runner
    /// … -- COMMAND`), since a runner host decides what it runs.
    public var agent: AgentSpec?

    public init(
        task: String, model: ModelSpec = ModelSpec(), seed: UInt64 = 1, split: SplitSpec = SplitSpec(),
        sft: SFTSpec? = nil, grpo: GRPOSpec? = nil, search: SearchSpec? = nil, evaluation: EvaluationSpec = EvaluationSpec(),
        adapter: AdapterOptions = AdapterOptions(), checkpointEvery: Int = 100, agent: AgentSpec? = nil
    ) {
        self.task = task
        self.model = model
        self.seed = seed
        self.split = split
        self.sft = sft
        self.grpo = grpo
        self.search = search
        self.evaluation = evaluation
        self.adapter = adapter
        self.checkpointEvery = checkpointEvery
        self.agent = agent
    }

    /// An agent that is a program: each episode runs `command` with the task on standard input and the
    /// pool's OpenAI-compatible endpoint in its environment (see `CommandAgent`).
    public struct AgentSpec: Codable, Sendable, Equatable {
        /// The program and its arguments.
        public var command: [String]
        /// Seconds one episode's process may run; 300 when left out.
        public var timeout: Double?

        public init(command: [String], timeout: Double? = nil) {
            self.command = command
            self.timeout = timeout
        }
    }

    /// Every step the phases take: SFT's, then GRPO's, then the search's rounds.
    public var totalSteps: Int { (sft?.steps ?? 0) + (grpo?.steps ?? 0) + (search?.rounds ?? 0) }

    /// The policy model's shape.
    public struct ModelSpec: Codable, Sendable, Equatable {
        /// `tiny` or `small` (see `GPTConfig`).
        public var preset: String
        /// Threads for the trainer's gradient steps.
        public var threads: Int
        public init(preset: String = "tiny", threads: Int = 1) {
            self.preset = preset
            self.threads = threads
        }
    }

    public struct SplitSpec: Codable, Sendable, Equatable {
        public var train: Int
        public var validation: Int
        public init(train: Int = 2000, validation: Int = 200) {
            self.train = train
            self.validation = validation
        }
    }

    /// Supervised steps on the task's scripted demonstrations, or on the best traces collected so far.
    public struct SFTSpec: Codable, Sendable, Equatable {
        public var steps: Int
        /// Samples per step.
        public var batchSize: Int
        public var learningRate: Double
        /// What to imitate.
        public var source: SFTSource
        /// Whose demonstrations (with `source: demonstrations`): the task's expert, or its imperfect
        /// demonstrator (systematic blind spots that a warm start inherits and reinforcement learning must
        /// then unlearn).
        public var demonstrator: Demonstrator
        public init(
            steps: Int = 400, batchSize: Int = 32, learningRate: Double = 1e-3, source: SFTSource = .demonstrations,
            demonstrator: Demonstrator = .expert
        ) {
            self.steps = steps
            self.batchSize = batchSize
            self.learningRate = learningRate
            self.source = source
            self.demonstrator = demonstrator
        }
    }

    /// What a supervised phase imitates.
    public enum SFTSource: String, Codable, Sendable, CaseIterable {
        /// The task's scripted demonstrations.
        case demonstrations
        /// The model calls of the store's successful training episodes of the task so far, from any
        /// experiment: what the policy did when it got it right (expert iteration, or distilling a run into a
        /// fresh model).
        case traces
    }

    /// GRPO: per step, `groupSize` rollouts of each of `problemsPerStep` training inputs, sampled by the
    /// runners with the current weights, then one clipped policy-gradient update.
    public struct GRPOSpec: Codable, Sendable, Equatable {
        public var steps: Int
        public var problemsPerStep: Int
        public var groupSize: Int
        /// The learning rate of the phase's first step.
        public var learningRate: Double
        /// Where the learning rate ends, if it is to fall: from `learningRate` at the first step to this at
        /// the last, along a cosine, so that late updates refine the policy instead of swinging it back and
        /// forth. Absent, the rate stays `learningRate` throughout.
        public var finalLearningRate: Double?
        /// The policy ratio's clip range ε.
        public var clipRange: Double
        /// The KL penalty's weight toward the warm start (0: none).
        public var klCoefficient: Double
        /// The runners' sampling temperature for training rollouts.
        public var temperature: Double
        /// Whether advantages are divided by their group's standard deviation.
        public var normalizeAdvantages: Bool
        /// Updates taken on each batch of rollouts (PPO-style epochs; the clip bounds how far they go).
        public var epochs: Int
        /// Whether groups whose rollouts all earned the same reward (they teach nothing) are replaced by
        /// more groups, up to four times a step's, so each update has `problemsPerStep` groups that differ.
        public var dynamicSampling: Bool
        /// Whether the runners sample the next groups while the trainer trains on the first groups to complete.
        public var asynchronous: Bool
        /// The most weight versions a group's samples may lag the weights being trained.
        public var maxStaleness: Int
        /// What happens to groups older than `maxStaleness`.
        public var staleSamples: StaleSamples
        public init(
            steps: Int = 200, problemsPerStep: Int = 16, groupSize: Int = 8, learningRate: Double = 1e-4,
            finalLearningRate: Double? = nil, clipRange: Double = 0.2, klCoefficient: Double = 0,
            temperature: Double = 1,
            normalizeAdvantages: Bool = true, epochs: Int = 1, dynamicSampling: Bool = false,
            asynchronous: Bool = false, maxStaleness: Int = 1,
            staleSamples: StaleSamples = .drop
        ) {
            self.steps = steps
            self.problemsPerStep = problemsPerStep
            self.groupSize = groupSize
            self.learningRate = learningRate
            self.finalLearningRate = finalLearningRate
            self.clipRange = clipRange
            self.klCoefficient = klCoefficient
            self.temperature = temperature
            self.normalizeAdvantages = normalizeAdvantages
            self.epochs = epochs
            self.dynamicSampling = dynamicSampling
            self.asynchronous = asynchronous
            self.maxStaleness = maxStaleness
            self.staleSamples = staleSamples
        }
    }

    /// Beam search over candidate values of a resource that is not the weights (sampling settings, a prompt
    /// template): each round scores the surviving candidates on `problems` validation inputs it has not used
    /// yet, and keeps the `beam` best by success so far; the best after the last round is published. Optimising
    /// an agent is not limited to its model's parameters.
    public struct SearchSpec: Codable, Sendable, Equatable {
        /// The resource, e.g. `sampling`; its candidates are settings (mappings) or prompt templates (strings).
        public var resource: String
        public var candidates: [JSONValue]
        /// Candidates kept after each round.
        public var beam: Int
        public var rounds: Int
        /// Validation inputs each surviving candidate plays per round.
        public var problems: Int

        public init(resource: String = ResourceName.sampling, candidates: [JSONValue] = [], beam: Int = 2, rounds: Int = 2, problems: Int = 50) {
            self.resource = resource
            self.candidates = candidates
            self.beam = beam
            self.rounds = rounds
            self.problems = problems
        }

        /// The candidates as resource contents: settings from mappings, prompt templates from strings.
        public var contents: [ResourceContent] {
            candidates.map { candidate in
                if case .string(let text) = candidate { return ResourceContent(kind: .promptTemplate, data: Data(text.utf8)) }
                return ResourceContent(kind: .settings, data: (try? candidate.canonicalJSON()) ?? Data())
            }
        }
    }

    /// What becomes of samples drawn with weights older than a GRPO phase allows.
    public enum StaleSamples: String, Codable, Sendable, CaseIterable {
        /// Left out (and replaced by fresh groups).
        case drop
        /// Trained on, weighted by the ratio of today's probability to the sampling one (clipped).
        case reweight
    }

    /// Greedy validation rollouts every `every` steps of each phase (and before and after).
    public struct EvaluationSpec: Codable, Sendable, Equatable {
        public var every: Int
        /// How many validation inputs each evaluation plays; at most the split's validation size.
        public var problems: Int
        public init(every: Int = 50, problems: Int = 200) {
            self.every = every
            self.problems = problems
        }
    }

    // MARK: Reading and checking

    /// Reads a spec from YAML and checks it. Fields left out take their defaults, inside the phases too.
    /// - Throws: ``SpecError`` naming the field that is missing, unknown, of the wrong type or out of range.
    public static func parse(yaml: String) throws(SpecError) -> ExperimentSpec {
        let node: Node?
        do {
            node = try Yams.compose(yaml: yaml)
        } catch {
            throw SpecError(field: nil, problem: "not valid YAML: \(error)")
        }
        guard let node, node.mapping != nil, let given = try? Yams.load(yaml: yaml) as? [String: Any] else {
            throw SpecError(field: nil, problem: "expected a mapping of fields")
        }
        try checkKeys(node)
        let spec: ExperimentSpec
        do {
            let defaults = ExperimentSpec(task: "", sft: SFTSpec(), grpo: GRPOSpec(), search: SearchSpec())
            let defaultFields = try JSONSerialization.jsonObject(with: JSONEncoder().encode(defaults)) as? [String: Any] ?? [:]
            var merged = defaultFields.filter { !["task", "sft", "grpo", "search"].contains($0.key) }
            for (key, value) in given {
                if let fields = value as? [String: Any], let base = defaultFields[key] as? [String: Any] {
                    merged[key] = base.merging(fields) { $1 }
                } else {
                    merged[key] = value
                }
            }
            spec = try JSONDecoder().decode(ExperimentSpec.self, from: JSONSerialization.data(withJSONObject: merged))
        } catch let error as DecodingError {
            throw SpecError(error)
        } catch {
            throw SpecError(field: nil, problem: "\(error)")
        }
        try spec.validate()
        return spec
    }

    /// Checks every value is in range and the phases make sense together.
    /// - Throws: ``SpecError`` naming the first field that is not.
    public func validate() throws(SpecError) {
        func require(_ condition: Bool, _ field: String, _ problem: @autoclosure () -> String) throws(SpecError) {
            if !condition { throw SpecError(field: field, problem: problem()) }
        }
        try require(!task.isEmpty, "task", "must name a task")
        try require(["tiny", "small"].contains(model.preset), "model.preset", "must be tiny or small, not '\(model.preset)'")
        try require(model.threads >= 1, "model.threads", "must be at least 1, got \(model.threads)")
        try require(split.train >= 1, "split.train", "must be at least 1, got \(split.train)")
        try require(split.validation >= 1, "split.validation", "must be at least 1, got \(split.validation)")
        try require(sft != nil || grpo != nil || search != nil, "sft", "give an sft, grpo or search phase (or several)")
        if let sft {
            try require(sft.steps >= 1, "sft.steps", "must be at least 1, got \(sft.steps)")
            try require(sft.batchSize >= 1, "sft.batchSize", "must be at least 1, got \(sft.batchSize)")
            try require(sft.learningRate > 0 && sft.learningRate < 1, "sft.learningRate", "must be in (0, 1), got \(sft.learningRate)")
        }
        if let grpo {
            try require(grpo.steps >= 1, "grpo.steps", "must be at least 1, got \(grpo.steps)")
            try require(grpo.problemsPerStep >= 1, "grpo.problemsPerStep", "must be at least 1, got \(grpo.problemsPerStep)")
            try require(grpo.groupSize >= 2, "grpo.groupSize", "must be at least 2 (advantages compare a group's samples), got \(grpo.groupSize)")
            try require(grpo.learningRate > 0 && grpo.learningRate < 1, "grpo.learningRate", "must be in (0, 1), got \(grpo.learningRate)")
            if let final = grpo.finalLearningRate {
                try require(
                    final >= 0 && final <= grpo.learningRate, "grpo.finalLearningRate",
                    "must be between 0 and grpo.learningRate (\(grpo.learningRate)), got \(final)")
            }
            try require(grpo.clipRange > 0 && grpo.clipRange < 1, "grpo.clipRange", "must be in (0, 1), got \(grpo.clipRange)")
            try require(grpo.klCoefficient >= 0, "grpo.klCoefficient", "cannot be negative, got \(grpo.klCoefficient)")
            try require(grpo.temperature > 0, "grpo.temperature", "must be above 0 (sampling must explore), got \(grpo.temperature)")
            try require(grpo.epochs >= 1, "grpo.epochs", "must be at least 1, got \(grpo.epochs)")
            try require(grpo.maxStaleness >= 0, "grpo.maxStaleness", "cannot be negative, got \(grpo.maxStaleness)")
        }
        try require(evaluation.every >= 1, "evaluation.every", "must be at least 1, got \(evaluation.every)")
        try require(
            evaluation.problems >= 1 && evaluation.problems <= split.validation, "evaluation.problems",
            "must be between 1 and split.validation (\(split.validation)), got \(evaluation.problems)")
        try require(checkpointEvery >= 1, "checkpointEvery", "must be at least 1, got \(checkpointEvery)")
        if let search {
            try require(
                !search.resource.isEmpty && search.resource != ResourceName.policy, "search.resource",
                "must name a resource other than the weights ('\(ResourceName.policy)'), got '\(search.resource)'")
            try require(search.candidates.count >= 2, "search.candidates", "needs at least 2 candidates, got \(search.candidates.count)")
            let texts = search.candidates.filter { if case .string = $0 { true } else { false } }.count
            let settings = search.candidates.filter { if case .object = $0 { true } else { false } }.count
            try require(
                texts == search.candidates.count || settings == search.candidates.count, "search.candidates",
                "must be all mappings (settings) or all strings (prompt templates)")
            try require(search.beam >= 1, "search.beam", "must be at least 1, got \(search.beam)")
            try require(search.rounds >= 1, "search.rounds", "must be at least 1, got \(search.rounds)")
            try require(
                search.problems >= 1 && search.problems <= split.validation, "search.problems",
                "must be between 1 and split.validation (\(split.validation)), got \(search.problems)")
        }
        if let agent {
            try require(!(agent.command.first ?? "").isEmpty, "agent.command", "must name a program")
            try require((agent.timeout ?? 1) > 0, "agent.timeout", "must be above 0 seconds, got \(agent.timeout ?? 0)")
        }
    }

    /// The fields a spec may have: top-level fields, with the fields of those that are mappings.
    private static let schema: [String: Set<String>?] = [
        "task": nil, "seed": nil, "checkpointEvery": nil,
        "model": ["preset", "threads"],
        "split": ["train", "validation"],
        "sft": ["steps", "batchSize", "learningRate", "source", "demonstrator"],
        "grpo": [
            "steps", "problemsPerStep", "groupSize", "learningRate", "finalLearningRate", "clipRange", "klCoefficient",
            "temperature", "normalizeAdvantages", "epochs", "dynamicSampling", "asynchronous", "maxStaleness", "staleSamples",
        ],
        "search": ["resource", "candidates", "beam", "rounds", "problems"],
        "evaluation": ["every", "problems"],
        "adapter": ["creditAssignment", "agent", "rewardName"],
        "agent": ["command", "timeout"],
    ]

    private static func checkKeys(_ node: Node) throws(SpecError) {
        func unknown(_ field: String, known: some Sequence<String>) -> SpecError {
            SpecError(field: field, problem: "unknown field (known here: \(known.sorted().joined(separator: ", ")))")
        }
        for (key, value) in node.mapping ?? [:] {
            let name = key.string ?? "\(key)"
            guard let nested = schema[name] else { throw unknown(name, known: schema.keys) }
            guard let nested, let mapping = value.mapping else { continue }
            for (innerKey, _) in mapping {
                let inner = innerKey.string ?? "\(innerKey)"
                if !nested.contains(inner) { throw unknown("\(name).\(inner)", known: nested) }
            }
        }
    }
}

/// A field of an experiment spec that is missing, unknown, of the wrong type or out of range.
public struct SpecError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The field's path, e.g. `grpo.groupSize`; `nil` for the spec as a whole.
    public var field: String?
    public var problem: String

    public init(field: String?, problem: String) {
        self.field = field
        self.problem = problem
    }

    init(_ error: DecodingError) {
        let problem = DecodingProblem(error)
        self.init(field: problem.field, problem: problem.problem)
    }

    public var description: String {
        field.map { "experiment spec: \($0): \(problem)" } ?? "experiment spec: \(problem)"
    }
}
