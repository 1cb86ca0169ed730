/// A batch of token sequences to train on, padded to one length, with a weight on every predicted token.
///
/// Position t of sequence b reads token `sequences[b][t]` and is trained to predict `sequences[b][t + 1]` with
/// weight `w[b][t]`; the loss is `Σ w · −log p(target)`. Shorter sequences are padded at the end with weight 0,
/// which the causal mask keeps invisible to the real positions, so ragged batches need no attention mask.
public struct TrainingBatch: Sendable {
    /// Number of sequences (B).
    public let sequenceCount: Int
    /// Positions per sequence after padding (T): the longest sequence's length minus one.
    public let length: Int
    /// Input tokens (B, T).
    package let inputs: [Int32]
    /// Target tokens (B, T).
    package let targets: [Int32]
    /// Loss weight of each target (B, T).
    package let weights: [Float]

    /// Creates a batch with explicit weights.
    ///
    /// - Parameters:
    ///   - sequences: Token ids; each at least 2 long.
    ///   - targetWeights: For each sequence, one weight per predicted token (`sequences[b].count - 1` values):
    ///     0 to skip it, 1/N to average, signed advantages for policy gradients.
    /// - Throws: ``ModelError`` if the counts do not match or a sequence is too short.
    public init(sequences: [[Int32]], targetWeights: [[Float]]) throws(ModelError) {
        guard !sequences.isEmpty else { throw ModelError("TrainingBatch: no sequences") }
        guard sequences.count == targetWeights.count else {
            throw ModelError("TrainingBatch: \(sequences.count) sequences but \(targetWeights.count) weight lists")
        }
        let t = sequences.map { $0.count - 1 }.max()!
        var inputs = [Int32](repeating: 0, count: sequences.count * t)
        var targets = inputs
        var weights = [Float](repeating: 0, count: sequences.count * t)
        for (b, sequence) in sequences.enumerated() {
            guard sequence.count >= 2 else {
                throw ModelError("TrainingBatch: sequence \(b) has \(sequence.count) tokens; it needs at least 2")
            }
            guard targetWeights[b].count == sequence.count - 1 else {
                throw ModelError(
                    "TrainingBatch: sequence \(b) has \(sequence.count) tokens, so it needs \(sequence.count - 1) "
                        + "weights, got \(targetWeights[b].count)")
            }
            for i in 0..<(sequence.count - 1) {
                inputs[b * t + i] = sequence[i]
                targets[b * t + i] = sequence[i + 1]
                weights[b * t + i] = targetWeights[b][i]
            }
        }
        sequenceCount = sequences.count
        length = t
        self.inputs = inputs
        self.targets = targets
        self.weights = weights
    }

    /// A batch whose loss is the mean cross-entropy over the trained tokens: those at index ≥ `promptLengths[b]`
    /// of each sequence (all but the first token when `promptLengths` is nil), as in supervised fine-tuning
    /// on responses only.
    ///
    /// - Throws: ``ModelError`` if no token is trained or the lengths do not fit.
    public static func languageModeling(sequences: [[Int32]], promptLengths: [Int]? = nil) throws(ModelError)
        -> TrainingBatch
    {
        if let promptLengths, promptLengths.count != sequences.count {
            throw ModelError("TrainingBatch: \(sequences.count) sequences but \(promptLengths.count) prompt lengths")
        }
        var count = 0
        var masks: [[Float]] = []
        for (b, sequence) in sequences.enumerated() {
            let start = max(1, promptLengths?[b] ?? 1)
            let mask = (1..<max(1, sequence.count)).map { $0 >= start ? Float(1) : 0 }
            count += mask.reduce(0) { $0 + Int($1) }
            masks.append(mask)
        }
        guard count > 0 else { throw ModelError("TrainingBatch: no token to train on (every token is prompt)") }
        let scale = 1 / Float(count)
        return try TrainingBatch(sequences: sequences, targetWeights: masks.map { $0.map { $0 * scale } })
    }

    /// The same batch with every weight multiplied by `factor`, e.g. 1/k for each of k accumulated micro-batches.
    public func scaled(by factor: Float) -> TrainingBatch {
        TrainingBatch(
            sequenceCount: sequenceCount, length: length, inputs: inputs, targets: targets,
            weights: weights.map { $0 * factor })
    }

    private init(sequenceCount: Int, length: Int, inputs: [Int32], targets: [Int32], weights: [Float]) {
        self.sequenceCount = sequenceCount
        self.length = length
        self.inputs = inputs
        self.targets = targets
        self.weights = weights
    }
}
