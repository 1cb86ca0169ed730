/// The names and attributes of the spans Fulmen records itself inside an episode: the runner writes
/// them, the adapter reads them back as training data, and the CLI shows them. Spans an agent or a
/// library makes with the tracing API keep whatever names they were given.
public enum SpanConvention {
    /// The span around a whole episode; every other span of the attempt descends from it.
    public static let episode = "fulmen.episode"
    /// One call of the policy model.
    public static let modelCall = "fulmen.llm"
    /// One call of a tool.
    public static let toolCall = "fulmen.tool"
    /// A reward: an instant, recorded as a span that starts and ends at once.
    public static let reward = "fulmen.reward"
    /// The run of an agent's own process (a command agent), with its standard error as an event.
    public static let agentProcess = "fulmen.process"
    /// The event of an agent process's span that holds what it wrote to standard error (its last 64 KiB).
    public static let standardErrorEvent = "stderr"

    /// The attributes of the spans above.
    public enum Attribute {
        // MARK: Episode

        /// The task the episode ran (string).
        public static let task = "fulmen.task"

        // MARK: Model calls

        /// The sub-agent that made the call (string), so an experiment can train one sub-agent and
        /// leave the others fixed.
        public static let agent = "agent.name"
        /// The prompt's token ids (ints), exactly as the model saw them.
        public static let promptTokens = "llm.prompt_tokens"
        /// The generated token ids (ints).
        public static let responseTokens = "llm.response_tokens"
        /// The log-probability of each generated token under the sampling model (floats).
        public static let logProbabilities = "llm.logprobs"
        /// The resource snapshot whose weights made the call (int).
        public static let weightsVersion = "llm.weights_version"
        /// The SHA-256 of those weights (string).
        public static let weightsHash = "llm.weights_hash"
        /// The model that made the call (string): `gpt`, or the pretrained model's name or path, whose tokenizer
        /// decodes the call's token ids.
        public static let model = "llm.model"
        /// Whether the weights were LoRA adapters on that model (bool); they are the weights of `weightsHash`.
        public static let adapter = "llm.adapter"
        /// Sampling settings (double, int, double, int, int).
        public static let temperature = "llm.temperature"
        public static let topK = "llm.top_k"
        public static let topP = "llm.top_p"
        public static let seed = "llm.seed"
        public static let maxTokens = "llm.max_tokens"
        /// Why generation stopped: `stop`, `length` or `context` (string).
        public static let finishReason = "llm.finish_reason"
        /// Seconds the call waited for a place in a batch before its forward passes began (double);
        /// the span's own duration is the call's whole latency.
        public static let queueSeconds = "llm.queue_seconds"

        // MARK: Tool calls

        /// The tool's name (string).
        public static let tool = "tool.name"
        /// What the tool was given and what it answered, as text (strings).
        public static let toolInput = "tool.input"
        public static let toolOutput = "tool.output"

        // MARK: Rewards

        /// The reward's value (double).
        public static let rewardValue = "reward.value"
        /// The reward's name (string); an episode may emit several named rewards.
        public static let rewardName = "reward.name"
        /// Whether this is the episode's final reward (bool); intermediate rewards say false.
        public static let rewardFinal = "reward.final"

        // MARK: Agent processes

        /// The command line (strings).
        public static let command = "process.command"
        /// The process id (int).
        public static let processID = "process.pid"
        /// How it ended: `exited 0`, `exited 3`, `signal 9` (string).
        public static let termination = "process.termination"
        /// The text of an event (string), e.g. what the process wrote to standard error.
        public static let text = "text"
    }
}
