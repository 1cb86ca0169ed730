import Foundation

/// Writes GGUF version 3 files: metadata, then F32 or F16 tensors (or blocks of any type, given as bytes), each
/// aligned to the file's alignment.
///
/// It builds the whole file in memory: for small files, and for tests that make files well formed or deliberately
/// broken (``image()`` is the file's bytes, to be damaged at will). Large files (a merged model for llama.cpp) are
/// written tensor by tensor through ``GGUFStreamWriter``, which shares this header encoding.
public struct GGUFWriter: Sendable {
    /// The storage of tensors written from Float32 values.
    public enum FloatFormat: Sendable {
        case f32, f16

        /// The tensor type values are stored as.
        public var type: GGMLType { self == .f32 ? .f32 : .f16 }

        /// Appends `values` as stored (little-endian; F16 rounded to nearest, ties to even) to `bytes`.
        public func append(_ values: UnsafeBufferPointer<Float>, to bytes: inout [UInt8]) {
            bytes.reserveCapacity(bytes.count + values.count * (self == .f32 ? 4 : 2))
            for value in values {
                switch self {
                case .f32: withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes.append(contentsOf: $0) }
                case .f16: withUnsafeBytes(of: HalfPrecision.half(value).littleEndian) { bytes.append(contentsOf: $0) }
                }
            }
        }
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
        values.withUnsafeBufferPointer { format.append($0, to: &bytes) }
        try addTensor(name: name, dimensions: dimensions, type: format.type, bytes: bytes)
    }

    /// Adds a tensor of `type` whose stored bytes (blocks, for a quantised type) are `bytes`.
    public mutating func addTensor(name: String, dimensions: [Int], type: GGMLType, bytes: [UInt8]) throws(GGUFError) {
        guard !tensors.contains(where: { $0.name == name }) else {
            throw .invalidTensorForWriting(tensor: name, reason: "a tensor of that name was already added")
        }
        let expected = try GGUFEncoding.byteCount(name: name, dimensions: dimensions, type: type)
        guard expected == bytes.count else {
            throw .invalidTensorForWriting(
                tensor: name, reason: "\(bytes.count) bytes given for \(dimensions.reduce(1, *)) values of \(type)")
        }
        tensors.append(Tensor(name: name, dimensions: dimensions, type: type, bytes: bytes))
    }

    /// The file's bytes.
    public func image() -> [UInt8] {
        let entries = tensors.map {
            GGUFEncoding.TensorEntry(name: $0.name, dimensions: $0.dimensions, type: $0.type, byteCount: $0.bytes.count)
        }
        var bytes = GGUFEncoding.header(entries: self.entries, tensors: entries, alignment: alignment)
        for tensor in tensors {
            bytes.append(contentsOf: tensor.bytes)
            bytes.append(contentsOf: GGUFEncoding.padding(after: bytes.count, alignment: alignment))
        }
        return bytes
    }

    /// Writes the file to `path`, through a temporary file renamed into place.
    public func write(to path: String) throws {
        try Data(image()).write(to: URL(fileURLWithPath: path), options: .atomic)
    }
}
