import FulmenCore
import Foundation

/// What an experiment trains, and how: the task, the policy model, the split, evaluation and checkpoints,
/// then its phases: one section per algorithm, run in the order written. Written as YAML
/// (`fulmen submit calc.yaml`); every field but `task` has a default, inside the phases too.
///
/// ```yaml
/// task: calc
/// model: { preset: tiny }
/// sft: { steps: 400, batchSize: 32, learningRate: 0.001 }
/// grpo: { steps: 200, problemsPerStep: 16, groupSize: 8, learningRate: 0.0001 }
/// evaluation: { every: 50, problems: 200 }
/// ```
///
/// The fields of each phase belong to its algorithm (``SFT``, ``GRPO``, ``ResourceSearch``, or one a user
/// registered with ``AlgorithmRegistry``): its type documents, decodes and checks them.
public struct ExperimentSpec: Sendable, Equatable {
    /// The task to train on (`calc`, `sql`, `maze`).
    public var task: String
    public var model = ModelSpec()
    /// Seeds the split, the model's initialisation and the order of training problems.
    public var seed: UInt64 = 1
    /// How many training and validation inputs the task's split draws.
    public var split = SplitSpec()
    public var evaluation = EvaluationSpec()
    /// How episodes become training samples.
    public var adapter = AdapterOptions()
    /// Checkpoint every this many steps (and at the end of each phase).
    public var checkpointEvery = 100
    /// The agent that plays the episodes when it is a program of the user's rather than the task's bundled
    /// agent. `fulmen up` runs it; separate runner pools are given their command themselves (`fulmen runner
    /// … -- COMMAND`), since a runner host decides what it runs.
    public var agent: AgentSpec?
    /// The phases, in the order they run.
    public var phases: [any Algorithm]

    public init(task: String, phases: [any Algorithm]) {
        self.task = task
        self.phases = phases
    }

    /// Every step the phases take.
    public var totalSteps: Int { phases.reduce(0) { $0 + $1.steps } }

    /// The settings of the phase run by `algorithm`, if the spec has one.
    public func phase<A: Algorithm>(_ algorithm: A.Type) -> A? {
        phases.lazy.compactMap { $0 as? A }.first
    }

    /// The steps taken before the phase at `index`.
    public func stepsBefore(phase index: Int) -> Int { phases[..<index].reduce(0) { $0 + $1.steps } }

    public static func == (lhs: ExperimentSpec, rhs: ExperimentSpec) -> Bool {
        lhs.task == rhs.task && lhs.model == rhs.model && lhs.seed == rhs.seed && lhs.split == rhs.split
            && lhs.evaluation == rhs.evaluation && lhs.adapter == rhs.adapter
            && lhs.checkpointEvery == rhs.checkpointEvery && lhs.agent == rhs.agent
            && lhs.phases.count == rhs.phases.count
            && zip(lhs.phases, rhs.phases).allSatisfy { $0.isEqual(to: $1) }
    }
}

extension ExperimentSpec: Decodable {
    /// The fields outside the phases.
    enum CodingKeys: String, CodingKey, CaseIterable {
        case task, model, seed, split, evaluation, adapter, checkpointEvery, agent
    }

    /// Reads the fields given over their defaults, and each phase with the algorithm its key names
    /// (``AlgorithmRegistry``). Any other key is refused by name, with the known ones listed.
    public init(from decoder: any Decoder) throws {
        let algorithms = AlgorithmRegistry.all
        try decoder.refuseUnknownKeys(known: CodingKeys.allCases.map(\.stringValue) + algorithms.map { $0.name })
        let fields = try decoder.container(keyedBy: CodingKeys.self)
        self.init(task: try fields.decode(String.self, forKey: .task), phases: [])
        try fields.update(&model, .model)
        try fields.update(&seed, .seed)
        try fields.update(&split, .split)
        try fields.update(&evaluation, .evaluation)
        try fields.update(&adapter, .adapter)
        try fields.update(&checkpointEvery, .checkpointEvery)
        try fields.update(&agent, .agent)
        let sections = try decoder.container(keyedBy: SpecKey.self)
        for key in sections.allKeys {
            guard let algorithm = algorithms.first(where: { $0.name == key.stringValue }) else { continue }
            phases.append(try Self.decode(algorithm, at: key, from: sections))
        }
    }

    private static func decode<A: Algorithm>(
        _ algorithm: A.Type, at key: SpecKey, from sections: KeyedDecodingContainer<SpecKey>
    ) throws -> any Algorithm {
        // `sft: {}` and a bare `sft:` both mean the phase with every default.
        if try sections.decodeNil(forKey: key) { return A() }
        return try sections.decode(A.self, forKey: key)
    }
}
