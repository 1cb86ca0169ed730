import Foundation

/// Writes GGUF version 3 files: metadata, then F32 or F16 tensors (or blocks of any type, given as bytes), each
/// aligned to the file's alignment.
///
/// Used to export merged models for llama.cpp and its kin, and by tests to make small files, well formed or
/// deliberately broken (``image()`` is the file's bytes, to be damaged at will).
public struct GGUFWriter: Sendable {
    /// The storage of tensors written from Float32 values.
    public enum FloatFormat: Sendable {
        case f32, f16

        var type: GGMLType { self == .f32 ? .f32 : .f16 }
    }

    private struct Tensor: Sendable {
        let name: String
        let dimensions: [Int]
        let type: GGMLType
        let bytes: [UInt8]
    }

    /// The data section's alignment; written as `general.alignment` when it is not the default 32.
    public let alignment: Int
    private var entries: [(key: String, value: GGUFValue)] = []
    private var tensors: [Tensor] = []

    /// A writer whose tensors are aligned to `alignment`, a power of two.
    public init(alignment: Int = 32) {
        precondition(alignment > 0 && alignment & (alignment - 1) == 0, "alignment must be a power of two")
        self.alignment = alignment
        if alignment != GGUFParser.defaultAlignment { set(GGUFParser.alignmentKey, .uint32(UInt32(alignment))) }
    }

    /// Sets `key` to `value`; a key set again keeps its first place.
    public mutating func set(_ key: String, _ value: GGUFValue) {
        if let index = entries.firstIndex(where: { $0.key == key }) {
            entries[index].value = value
        } else {
            entries.append((key, value))
        }
    }

    /// Adds a tensor of `values` with `dimensions` innermost first, stored as `format`.
    public mutating func addTensor(name: String, dimensions: [Int], values: [Float], format: FloatFormat = .f32)
        throws(GGUFError)
    {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(values.count * (format == .f32 ? 4 : 2))
        for value in values {
            switch format {
            case .f32: withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes.append(contentsOf: $0) }
            case .f16: withUnsafeBytes(of: HalfPrecision.half(value).littleEndian) { bytes.append(contentsOf: $0) }
            }
        }
        try addTensor(name: name, dimensions: dimensions, type: format.type, bytes: bytes)
    }

    /// Adds a tensor of `type` whose stored bytes (blocks, for a quantised type) are `bytes`.
    public mutating func addTensor(name: String, dimensions: [Int], type: GGMLType, bytes: [UInt8]) throws(GGUFError) {
        guard !tensors.contains(where: { $0.name == name }) else {
            throw .invalidTensorForWriting(tensor: name, reason: "a tensor of that name was already added")
        }
        guard (1...GGUFParser.maxDimensions).contains(dimensions.count), dimensions.allSatisfy({ $0 >= 0 }) else {
            throw .invalidTensorForWriting(tensor: name, reason: "dimensions \(dimensions) are not 1 to 4 counts")
        }
        guard dimensions[0] % type.blockSize == 0 else {
            throw .invalidTensorForWriting(
                tensor: name, reason: "rows of \(dimensions[0]) are not whole \(type) blocks of \(type.blockSize)")
        }
        let count = dimensions.reduce(1, *)
        guard let expected = type.byteCount(values: count), expected == bytes.count else {
            throw .invalidTensorForWriting(
                tensor: name, reason: "\(bytes.count) bytes given for \(count) values of \(type)")
        }
        tensors.append(Tensor(name: name, dimensions: dimensions, type: type, bytes: bytes))
    }

    /// The file's bytes.
    public func image() -> [UInt8] {
        var bytes = header()
        for tensor in tensors {
            bytes.append(contentsOf: tensor.bytes)
            pad(&bytes)
        }
        return bytes
    }

    /// Writes the file to `path`, through a temporary file renamed into place.
    public func write(to path: String) throws {
        try Data(image()).write(to: URL(fileURLWithPath: path), options: .atomic)
    }

    /// Everything before the data section, padded to the alignment.
    private func header() -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.append(contentsOf: GGUFParser.magic)
        append(UInt32(3), to: &bytes)
        append(UInt64(tensors.count), to: &bytes)
        append(UInt64(entries.count), to: &bytes)
        for (key, value) in entries {
            append(key, to: &bytes)
            append(value.type.rawValue, to: &bytes)
            append(value, to: &bytes)
        }
        var offset = 0
        for tensor in tensors {
            append(tensor.name, to: &bytes)
            append(UInt32(tensor.dimensions.count), to: &bytes)
            for dimension in tensor.dimensions { append(UInt64(dimension), to: &bytes) }
            append(tensor.type.rawValue, to: &bytes)
            append(UInt64(offset), to: &bytes)
            offset += (tensor.bytes.count + alignment - 1) / alignment * alignment
        }
        pad(&bytes)
        return bytes
    }

    private func pad(_ bytes: inout [UInt8]) {
        bytes.append(contentsOf: repeatElement(0, count: (alignment - bytes.count % alignment) % alignment))
    }

    private func append<T: FixedWidthInteger>(_ value: T, to bytes: inout [UInt8]) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    private func append(_ string: String, to bytes: inout [UInt8]) {
        append(UInt64(string.utf8.count), to: &bytes)
        bytes.append(contentsOf: string.utf8)
    }

    private func append(_ value: GGUFValue, to bytes: inout [UInt8]) {
        switch value {
        case .uint8(let v): append(v, to: &bytes)
        case .int8(let v): append(v, to: &bytes)
        case .uint16(let v): append(v, to: &bytes)
        case .int16(let v): append(v, to: &bytes)
        case .uint32(let v): append(v, to: &bytes)
        case .int32(let v): append(v, to: &bytes)
        case .uint64(let v): append(v, to: &bytes)
        case .int64(let v): append(v, to: &bytes)
        case .float32(let v): append(v.bitPattern, to: &bytes)
        case .float64(let v): append(v.bitPattern, to: &bytes)
        case .bool(let v): append(UInt8(v ? 1 : 0), to: &bytes)
        case .string(let v): append(v, to: &bytes)
        case .array(let array): append(array, to: &bytes)
        }
    }

    private func append(_ array: GGUFArray, to bytes: inout [UInt8]) {
        append(array.elementType.rawValue, to: &bytes)
        append(UInt64(array.count), to: &bytes)
        switch array {
        case .uint8(let a): a.forEach { append($0, to: &bytes) }
        case .int8(let a): a.forEach { append($0, to: &bytes) }
        case .uint16(let a): a.forEach { append($0, to: &bytes) }
        case .int16(let a): a.forEach { append($0, to: &bytes) }
        case .uint32(let a): a.forEach { append($0, to: &bytes) }
        case .int32(let a): a.forEach { append($0, to: &bytes) }
        case .uint64(let a): a.forEach { append($0, to: &bytes) }
        case .int64(let a): a.forEach { append($0, to: &bytes) }
        case .float32(let a): a.forEach { append($0.bitPattern, to: &bytes) }
        case .float64(let a): a.forEach { append($0.bitPattern, to: &bytes) }
        case .bool(let a): a.forEach { append(UInt8($0 ? 1 : 0), to: &bytes) }
        case .string(let a): a.forEach { append($0, to: &bytes) }
        case .array(let a): a.forEach { append($0, to: &bytes) }
        }
    }
}
