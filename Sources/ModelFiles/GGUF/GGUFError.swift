/// What can be wrong with a GGUF file, or with a request made of one. Each case names what was wrong and where
/// (the key, the tensor, the byte offset), so a bad file can be found and fixed.
public enum GGUFError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The file could not be opened or mapped.
    case cannotOpen(FileMappingError)
    /// The file does not start with the four bytes `GGUF`.
    case badMagic(found: [UInt8])
    /// The file is written big-endian (its version reads right only byte-swapped); Fulmen reads little-endian.
    case bigEndian(version: UInt32)
    /// A version other than 2 and 3.
    case unsupportedVersion(UInt32)
    /// The file ends before `what`, which starts at `offset` and needs `needed` bytes.
    case truncated(what: String, offset: Int, needed: Int, fileSize: Int)
    /// A count (of tensors, keys, array elements, dimensions, string bytes) that the file cannot hold.
    case absurdCount(what: String, count: UInt64, offset: Int)
    /// A metadata value type code that GGUF does not define.
    case unknownValueType(key: String, code: UInt32, offset: Int)
    /// A string that is not valid UTF-8.
    case invalidUTF8(what: String, offset: Int)
    /// The same metadata key twice.
    case duplicateKey(String, offset: Int)
    /// `general.alignment` of the wrong type, zero or not a power of two.
    case badAlignment(String)
    /// The same tensor name twice.
    case duplicateTensor(String)
    /// A tensor type code ggml does not define.
    case unknownTensorType(tensor: String, code: UInt32)
    /// A tensor with no dimensions, more than four, or an element count that overflows.
    case badDimensions(tensor: String, dimensions: [UInt64])
    /// A tensor whose rows are not a whole number of its type's blocks.
    case rowNotWholeBlocks(tensor: String, type: GGMLType, rowLength: Int)
    /// A tensor whose data offset is not a multiple of the file's alignment.
    case misalignedTensor(tensor: String, offset: UInt64, alignment: Int)
    /// A tensor whose bytes run past the end of the data section.
    case tensorOutOfRange(tensor: String, offset: UInt64, byteCount: Int, dataSize: Int)
    /// Two tensors whose bytes overlap.
    case overlappingTensors(String, String)
    /// No metadata under `key`.
    case missingKey(String)
    /// A metadata value of another type than the one asked for.
    case typeMismatch(key: String, expected: String, found: String)
    /// An integer value that does not fit the type asked for.
    case valueOutOfRange(key: String, value: String, expected: String)
    /// No tensor of that name.
    case missingTensor(String)
    /// A tensor whose type Fulmen cannot dequantise.
    case unsupportedTensorType(tensor: String, type: GGMLType)
    /// Rows asked for outside a tensor's rows.
    case rowsOutOfRange(tensor: String, rows: Range<Int>, rowCount: Int)
    /// A source or destination buffer whose size does not fit the values asked for.
    case bufferSizeMismatch(what: String, expected: Int, found: Int)
    /// A tensor given to the writer that is not well formed.
    case invalidTensorForWriting(tensor: String, reason: String)
    /// A file being written could not be created, written or moved into place.
    case cannotWrite(path: String, reason: String)

    public var description: String {
        switch self {
        case .cannotOpen(let error): "GGUF: \(error)"
        case .badMagic(let found):
            "GGUF: not a GGUF file: it starts with bytes \(found.map { hex($0) }.joined(separator: " ")), not 'GGUF'"
        case .bigEndian(let version):
            "GGUF: the file is big-endian (version \(version) byte-swapped); only little-endian files are supported"
        case .unsupportedVersion(let version): "GGUF: version \(version) is not supported (only 2 and 3 are)"
        case .truncated(let what, let offset, let needed, let fileSize):
            "GGUF: file is truncated: \(what) at byte \(offset) needs \(needed) bytes, but the file has \(fileSize)"
        case .absurdCount(let what, let count, let offset):
            "GGUF: file is truncated or corrupt: \(what) at byte \(offset) is \(count), more than the rest of the "
                + "file can hold"
        case .unknownValueType(let key, let code, let offset):
            "GGUF: file is corrupt: metadata '\(key)' has unknown value type \(code) at byte \(offset)"
        case .invalidUTF8(let what, let offset): "GGUF: file is corrupt: \(what) at byte \(offset) is not valid UTF-8"
        case .duplicateKey(let key, let offset):
            "GGUF: file is corrupt: metadata key '\(key)' repeats at byte \(offset)"
        case .badAlignment(let reason): "GGUF: general.alignment is invalid: \(reason)"
        case .duplicateTensor(let name): "GGUF: file is corrupt: tensor '\(name)' is listed twice"
        case .unknownTensorType(let tensor, let code): "GGUF: tensor '\(tensor)' has unknown type code \(code)"
        case .badDimensions(let tensor, let dimensions):
            "GGUF: tensor '\(tensor)' has invalid dimensions \(dimensions) (1 to 4, product within range)"
        case .rowNotWholeBlocks(let tensor, let type, let rowLength):
            "GGUF: tensor '\(tensor)' of type \(type) has rows of \(rowLength) values, not a multiple of the "
                + "block size \(type.blockSize)"
        case .misalignedTensor(let tensor, let offset, let alignment):
            "GGUF: tensor '\(tensor)' starts at data offset \(offset), not a multiple of the alignment \(alignment)"
        case .tensorOutOfRange(let tensor, let offset, let byteCount, let dataSize):
            "GGUF: file is truncated or corrupt: tensor '\(tensor)' takes \(byteCount) bytes from data offset "
                + "\(offset), past the end of the data section (\(dataSize) bytes)"
        case .overlappingTensors(let first, let second):
            "GGUF: file is corrupt: the bytes of tensors '\(first)' and '\(second)' overlap"
        case .missingKey(let key): "GGUF: no metadata '\(key)'"
        case .typeMismatch(let key, let expected, let found):
            "GGUF: metadata '\(key)' is \(found), expected \(expected)"
        case .valueOutOfRange(let key, let value, let expected):
            "GGUF: metadata '\(key)' is \(value), which does not fit \(expected)"
        case .missingTensor(let name): "GGUF: no tensor '\(name)'"
        case .unsupportedTensorType(let tensor, let type):
            "GGUF: tensor '\(tensor)' has type \(type), which Fulmen cannot dequantise (supported: "
                + GGMLType.allCases.filter(\.canDequantize).map(\.name).joined(separator: ", ") + ")"
        case .rowsOutOfRange(let tensor, let rows, let rowCount):
            "GGUF: rows \(rows.lowerBound)..<\(rows.upperBound) of tensor '\(tensor)' asked for; it has \(rowCount)"
        case .bufferSizeMismatch(let what, let expected, let found):
            "GGUF: \(what) holds \(found), expected \(expected)"
        case .invalidTensorForWriting(let tensor, let reason): "GGUF writer: tensor '\(tensor)': \(reason)"
        case .cannotWrite(let path, let reason): "GGUF writer: \(path): \(reason)"
        }
    }
}

private func hex(_ byte: UInt8) -> String {
    let digits = Array("0123456789abcdef")
    return String([digits[Int(byte >> 4)], digits[Int(byte & 15)]])
}
