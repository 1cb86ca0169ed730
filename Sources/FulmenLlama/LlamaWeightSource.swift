public import FulmenModel

/// Where a model's weights come from, tensor by tensor, under GGUF's names with shapes outermost first.
///
/// A `[String: Tensor]` is one; a file loader can be another, dequantising each tensor straight into the model's
/// buffer instead of holding a second copy of every weight.
public protocol LlamaWeightSource {
    /// The names of the tensors the source holds.
    var tensorNames: [String] { get }
    /// A tensor's shape, outermost first, or nil if the source has no tensor of that name.
    func shape(of name: String) -> [Int]?
    /// Writes a tensor's values, row-major Float32, into `destination` (exactly as many as its shape holds).
    func read(_ name: String, into destination: UnsafeMutableBufferPointer<Float>) throws
}

extension Dictionary: LlamaWeightSource where Key == String, Value == Tensor {
    public var tensorNames: [String] { Array(keys) }

    public func shape(of name: String) -> [Int]? { self[name]?.shape }

    public func read(_ name: String, into destination: UnsafeMutableBufferPointer<Float>) throws {
        guard let tensor = self[name] else { throw LlamaError.missingTensor(name: name) }
        _ = destination.update(fromContentsOf: tensor.scalars)
    }
}
