public import ModelFiles

/// Why a ``QuantizedMatrix`` could not be made: each case names the tensor at fault.
public enum QuantizedMatrixError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file has no tensor of that name.
    case missingTensor(name: String)
    /// No tensor was named.
    case noTensors
    /// The tensor's type is not one the compact kernels read (Q8_0, Q4_1).
    case unsupportedType(tensor: String, type: GGMLType)
    /// Tensors stacked into one matrix must share one type; this one has another.
    case mixedTypes(tensor: String, type: GGMLType, expected: GGMLType)
    /// The tensor's rows are not as long as expected (or not whole blocks of 32).
    case rowLength(tensor: String, length: Int, expected: Int)

    public var description: String {
        switch self {
        case .missingTensor(let name): "quantized matrix: no tensor '\(name)'"
        case .noTensors: "quantized matrix: no tensors named"
        case .unsupportedType(let tensor, let type):
            "quantized matrix: tensor '\(tensor)' is \(type); the compact kernels read Q8_0 and Q4_1"
        case .mixedTypes(let tensor, let type, let expected):
            "quantized matrix: tensor '\(tensor)' is \(type), but the tensors stacked with it are \(expected)"
        case .rowLength(let tensor, let length, let expected):
            "quantized matrix: tensor '\(tensor)' has rows of \(length) values, expected \(expected)"
        }
    }
}
