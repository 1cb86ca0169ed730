/// What can be wrong with a safetensors file, or with a request made of one. Each case names the file and what
/// in it is wrong (the tensor, the dtype, the offsets).
public enum SafetensorsError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The file could not be opened or mapped.
    case cannotOpen(FileMappingError)
    /// The file ends before what its header promises.
    case truncated(file: String, detail: String)
    /// The JSON header is malformed.
    case corruptHeader(file: String, detail: String)
    /// A tensor entry without a valid dtype, shape or data offsets, or whose offsets disagree with its shape.
    case badTensorEntry(file: String, tensor: String, detail: String)
    /// A dtype that safetensors does not define.
    case unknownDType(file: String, tensor: String, dtype: String)
    /// A tensor of a dtype that cannot be read as Float32 (only F32, F16 and BF16 can).
    case unsupportedDType(file: String, tensor: String, dtype: SafetensorsDType)
    /// Two tensors whose bytes overlap.
    case overlappingTensors(file: String, first: String, second: String)
    /// No tensor of that name.
    case missingTensor(file: String, tensor: String)
    /// A destination buffer whose size does not fit the tensor.
    case bufferSizeMismatch(tensor: String, expected: Int, found: Int)

    public var description: String {
        switch self {
        case .cannotOpen(let error): "safetensors: \(error)"
        case .truncated(let file, let detail): "safetensors: \(file) is truncated: \(detail)"
        case .corruptHeader(let file, let detail): "safetensors: \(file): header is corrupted: \(detail)"
        case .badTensorEntry(let file, let tensor, let detail): "safetensors: \(file): tensor '\(tensor)' \(detail)"
        case .unknownDType(let file, let tensor, let dtype):
            "safetensors: \(file): tensor '\(tensor)' has unknown dtype \(dtype)"
        case .unsupportedDType(let file, let tensor, let dtype):
            "safetensors: \(file): tensor '\(tensor)' has dtype \(dtype.rawValue); only F32, F16 and BF16 are supported"
        case .overlappingTensors(let file, let first, let second):
            "safetensors: \(file) is corrupted: the bytes of tensors '\(first)' and '\(second)' overlap"
        case .missingTensor(let file, let tensor): "safetensors: \(file) has no tensor '\(tensor)'"
        case .bufferSizeMismatch(let tensor, let expected, let found):
            "safetensors: destination for tensor '\(tensor)' holds \(found) values, expected \(expected)"
        }
    }
}

/// A safetensors element type.
public enum SafetensorsDType: String, Sendable, CaseIterable {
    case f64 = "F64"
    case f32 = "F32"
    case f16 = "F16"
    case bf16 = "BF16"
    case i64 = "I64"
    case i32 = "I32"
    case i16 = "I16"
    case i8 = "I8"
    case u64 = "U64"
    case u32 = "U32"
    case u16 = "U16"
    case u8 = "U8"
    case bool = "BOOL"
    case f8E4M3 = "F8_E4M3"
    case f8E5M2 = "F8_E5M2"

    /// Bytes per element.
    public var byteWidth: Int {
        switch self {
        case .f64, .i64, .u64: 8
        case .f32, .i32, .u32: 4
        case .f16, .bf16, .i16, .u16: 2
        case .i8, .u8, .bool, .f8E4M3, .f8E5M2: 1
        }
    }

    /// Whether Fulmen reads this dtype as Float32.
    public var isSupported: Bool { self == .f32 || self == .f16 || self == .bf16 }
}
