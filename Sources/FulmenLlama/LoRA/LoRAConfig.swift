/// Which of a Llama block's linear layers an adapter wraps, under PEFT's module names.
///
/// The raw value is the name PEFT writes in `target_modules` and in tensor names (`self_attn.q_proj`, `mlp.up_proj`).
/// The order of the cases is the order adapters are laid out and initialised in.
public enum LoRATarget: String, CaseIterable, Sendable, Hashable, Codable, Comparable {
    case query = "q_proj"
    case key = "k_proj"
    case value = "v_proj"
    case output = "o_proj"
    case gate = "gate_proj"
    case up = "up_proj"
    case down = "down_proj"

    /// The module path inside a Hugging Face decoder layer: `self_attn.q_proj`, `mlp.gate_proj`, ...
    public var modulePath: String {
        switch self {
        case .query, .key, .value, .output: "self_attn.\(rawValue)"
        case .gate, .up, .down: "mlp.\(rawValue)"
        }
    }

    /// The GGUF tensor the adapter adds to (`attn_q`, `ffn_down`, ...).
    public var ggufName: String {
        switch self {
        case .query: "attn_q"
        case .key: "attn_k"
        case .value: "attn_v"
        case .output: "attn_output"
        case .gate: "ffn_gate"
        case .up: "ffn_up"
        case .down: "ffn_down"
        }
    }

    /// Position in declaration order.
    var index: Int { Self.allCases.firstIndex(of: self)! }

    public static func < (lhs: LoRATarget, rhs: LoRATarget) -> Bool { lhs.index < rhs.index }
}

/// The shape of a set of LoRA adapters (Hu et al., https://arxiv.org/abs/2106.09685): for each targeted weight W
/// (out × in), `y = W x + (alpha / rank) · B A x`, A (rank × in), B (out × rank), as PEFT's `LoraConfig` describes it.
public struct LoRAConfig: Sendable, Equatable, Codable {
    /// The adapters' inner dimension r (PEFT's `r`).
    public var rank: Int
    /// The scale numerator (PEFT's `lora_alpha`): the low-rank product is multiplied by `alpha / rank`.
    public var alpha: Float
    /// The probability of zeroing each element of an adapter's input in training (PEFT's `lora_dropout`); the kept
    /// elements are scaled by 1 / (1 − dropout). Never applied when generating or scoring.
    public var dropout: Float
    /// The linear layers that get adapters, in every block.
    public var targets: Set<LoRATarget>

    public init(
        rank: Int = 8, alpha: Float = 16, dropout: Float = 0,
        targets: Set<LoRATarget> = [.query, .key, .value, .output]
    ) {
        self.rank = rank
        self.alpha = alpha
        self.dropout = dropout
        self.targets = targets
    }

    /// `alpha / rank`, the factor of the low-rank product.
    public var scale: Float { alpha / Float(rank) }

    /// The targets in layout order.
    public var orderedTargets: [LoRATarget] { targets.sorted() }

    /// Checks every field.
    ///
    /// - Throws: ``LoRAError/invalidConfiguration(field:reason:)`` naming the first field out of range.
    public func validate() throws(LoRAError) {
        guard rank > 0 else { throw .invalidConfiguration(field: "rank", reason: "must be positive, got \(rank)") }
        guard alpha.isFinite, alpha > 0 else {
            throw .invalidConfiguration(field: "alpha", reason: "must be positive and finite, got \(alpha)")
        }
        guard dropout.isFinite, dropout >= 0, dropout < 1 else {
            throw .invalidConfiguration(field: "dropout", reason: "must be in [0, 1), got \(dropout)")
        }
        guard !targets.isEmpty else { throw .invalidConfiguration(field: "targets", reason: "must not be empty") }
    }
}
