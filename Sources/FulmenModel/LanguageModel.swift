/// The families of language model the engine implements.
public enum ModelFamily: String, Sendable, Hashable, Codable {
    /// The byte-level GPT trained from scratch (``GPT``).
    case gpt
    /// Llama-style decoders (RMSNorm, rotary positions, grouped-query attention, SwiGLU): pretrained models
    /// such as SmolLM2, in the `FulmenLlama` module.
    case llama
}

/// One face of a policy language model, whatever its family, so that the runner (generation), the endpoint
/// (generation, log-probabilities) and the trainer (gradients, the optimiser, checkpoints) work with either.
///
/// Like the models themselves, a conforming model is not thread-safe and its calls block their thread: keep it
/// inside one actor or serial queue (``ComputeQueue``).
public protocol LanguageModel: AnyObject {
    /// Which family the model belongs to.
    var family: ModelFamily { get }
    /// Number of token ids.
    var vocabularySize: Int { get }
    /// The most tokens a sequence (a prompt and its continuation) may hold.
    var contextLength: Int { get }
    /// How many threads a call may use.
    var threadCount: Int { get set }

    /// Continues every request, batching them into shared forward passes (see ``GPT/generate(_:)``).
    func generate(_ requests: [GenerationRequest]) throws(ModelError) -> [Generation]
    /// `result[b][t] = log p(sequences[b][t + 1] | sequences[b][0 ... t])`, under the untempered distribution that
    /// ``Generation/logProbabilities`` records.
    func logProbabilities(of sequences: [[Int32]]) throws(ModelError) -> [[Float]]
    /// The logits of every position of one sequence, (T, V) row-major.
    func logits(for tokens: [Int32]) throws(ModelError) -> Tensor

    /// Adds the gradient of `batch`'s loss to the model's gradients; answers the loss.
    @discardableResult
    func accumulateGradients(for batch: TrainingBatch) throws(ModelError) -> Float
    /// The loss of `batch`, gradients untouched.
    func loss(for batch: TrainingBatch) throws(ModelError) -> Float
    /// Sets every gradient to zero.
    func zeroGradients()
    /// The Euclidean norm of all gradients together.
    var gradientNorm: Float { get }
    /// Scales the gradients so that their global norm is at most `maxNorm`; answers the norm before.
    @discardableResult
    func clipGradientNorm(to maxNorm: Float) -> Float

    /// The number of parameters.
    var parameterCount: Int { get }
    /// The names of the parameter tensors, in checkpoint order.
    var tensorNames: [String] { get }
    /// A copy of one parameter tensor, or nil if there is none of that name.
    func tensor(named name: String) -> Tensor?
    /// A copy of one parameter tensor's gradient, or nil if there is none of that name.
    func gradient(named name: String) -> Tensor?
    /// Replaces one parameter tensor; throws if there is no such tensor or its shape differs.
    func setTensor(named name: String, to tensor: Tensor) throws(ModelError)

    /// The number of values the optimiser updates (every parameter, or only adapters on a frozen base).
    var trainableParameterCount: Int { get }
    /// The ranges of the trainable values that take weight decay (matrices and embeddings, not norms or biases).
    var decayedParameterRanges: [Range<Int>] { get }
    /// Lends the trainable values and their gradients to an optimiser, which may change the values in `body`;
    /// the model then records that its parameters changed (so derived copies are rebuilt).
    func updateTrainableParameters(_ body: (TrainableParameters) -> Void)

    /// The weights as a safetensors file image that ``init(checkpoint:threadCount:)`` loads.
    func checkpoint() -> [UInt8]
    /// Loads a model from a file image made by ``checkpoint()``.
    init(checkpoint bytes: [UInt8], threadCount: Int) throws(ModelError)
}

/// The values an optimiser updates, and their gradients, as two flat buffers of one layout.
///
/// Valid only inside ``LanguageModel/updateTrainableParameters(_:)``.
public struct TrainableParameters {
    /// The values, `count` of them.
    package let values: UnsafeMutablePointer<Float>
    /// Their gradients, laid out as the values.
    package let gradients: UnsafePointer<Float>
    /// The number of values.
    package let count: Int

    package init(values: UnsafeMutablePointer<Float>, gradients: UnsafePointer<Float>, count: Int) {
        self.values = values
        self.gradients = gradients
        self.count = count
    }
}
