import FulmenLlama
public import FulmenPolicy

extension ExperimentSpec {
    /// The policy model: which one, how it is fine-tuned, and the threads its gradient steps use.
    ///
    /// `preset: tiny` trains a GPT preset from scratch. `name: smollm2-135m-instruct` (a model Fulmen fetches) or
    /// `path: /models/x.gguf` (or a Hugging Face directory) fine-tunes a pretrained model: every weight, or with `lora:` only adapters on its
    /// frozen weights. Give one of `preset`, `name` and `path`; none is `preset: tiny`.
    public struct ModelSpec: SpecSection {
        /// A GPT preset's name in ``PolicyModels`` (`tiny`, `small`).
        public var preset: String?
        /// A pretrained model Fulmen fetches (`fulmen models list`).
        public var name: String?
        /// A pretrained model's GGUF file or Hugging Face directory, at the same path on every host that runs the
        /// experiment.
        public var path: String?
        /// LoRA adapters to train on the pretrained model's frozen weights; none trains every weight.
        public var lora: LoRASpec?
        /// Threads for the trainer's gradient steps.
        public var threads = 1

        public init() {}

        public init(preset: String, threads: Int = 1) {
            self.preset = preset
            self.threads = threads
        }

        public init(name: String, lora: LoRASpec? = nil, threads: Int = 1) {
            self.name = name
            self.lora = lora
            self.threads = threads
        }

        public init(from decoder: any Decoder) throws {
            self.init()
            let section = try decoder.section(of: self, keyedBy: CodingKeys.self)
            try section.update(&preset, .preset)
            try section.update(&name, .name)
            try section.update(&path, .path)
            try section.update(&lora, .lora)
            try section.update(&threads, .threads)
        }

        /// The model the section names.
        /// - Throws: ``SpecError`` naming the field that names no model or asks what the model cannot do.
        public func choice() throws(SpecError) -> PolicyModelChoice {
            let given = [("preset", preset), ("name", name), ("path", path)].compactMap { key, value in value.map { (key, $0) } }
            try SpecError.require(
                given.count <= 1, given.last?.0 ?? "preset", "give one of preset, name and path, not \(given.map(\.0).joined(separator: " and "))")
            let (field, text) = given.first ?? ("preset", PolicyModels.defaultPreset.name)
            let choice: PolicyModelChoice
            switch field {
            case "preset":
                guard let preset = PolicyModels.preset(named: text) else {
                    throw SpecError(
                        field: "preset",
                        problem: "must be one of \(PolicyModels.presets.map(\.name).joined(separator: ", ")), not '\(text)'")
                }
                choice = PolicyModelChoice(source: .preset(preset))
            case "name":
                do {
                    choice = try PolicyModelChoice(name: text)
                } catch {
                    throw SpecError(field: "name", problem: "\(error)")
                }
                guard case .pretrained(.bundled) = choice.source else {
                    throw SpecError(field: "name", problem: "'\(text)' is a GPT preset: give it as preset")
                }
            default:
                choice = PolicyModelChoice(source: .pretrained(.path(text)))
            }
            guard let lora else { return choice }
            guard case .pretrained = choice.source else {
                throw SpecError(field: "lora", problem: "LoRA adapts a pretrained model (name or path), not a GPT preset")
            }
            return PolicyModelChoice(source: choice.source, lora: try lora.config())
        }

        func validate() throws(SpecError) {
            _ = try choice()
            try SpecError.require(threads >= 1, "threads", "must be at least 1, got \(threads)")
        }
    }

    /// LoRA adapters (PEFT's `LoraConfig`): `rank`, `alpha` (the product is scaled by alpha / rank), `dropout` on
    /// the adapters' input in training, and the linear layers they wrap, by PEFT's names (`q_proj`, `k_proj`,
    /// `v_proj`, `o_proj`, `gate_proj`, `up_proj`, `down_proj`).
    public struct LoRASpec: SpecSection {
        public var rank = 16
        public var alpha: Float = 32
        public var dropout: Float = 0
        public var targets = LoRATarget.allCases.map(\.rawValue)

        public init() {}

        public init(from decoder: any Decoder) throws {
            self.init()
            let section = try decoder.section(of: self, keyedBy: CodingKeys.self)
            try section.update(&rank, .rank)
            try section.update(&alpha, .alpha)
            try section.update(&dropout, .dropout)
            try section.update(&targets, .targets)
        }

        /// The adapters' configuration.
        /// - Throws: ``SpecError`` naming the field out of range or the unknown target.
        func config() throws(SpecError) -> LoRAConfig {
            var chosen: Set<LoRATarget> = []
            for name in targets {
                guard let target = LoRATarget(rawValue: name) else {
                    throw SpecError(
                        field: "lora.targets",
                        problem: "'\(name)' is not one of \(LoRATarget.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                chosen.insert(target)
            }
            let config = LoRAConfig(rank: rank, alpha: alpha, dropout: dropout, targets: chosen)
            do {
                try config.validate()
            } catch .invalidConfiguration(let field, let reason) {
                throw SpecError(field: "lora.\(field)", problem: reason)
            } catch {
                throw SpecError(field: "lora", problem: "\(error)")
            }
            return config
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
