/// A safetensors file, memory-mapped read-only, its header checked when opened; tensors are read as Float32 from
/// F32, F16 or BF16 on demand.
public final class SafetensorsFile: Sendable {
    public let header: SafetensorsHeader
    /// The file's path (or the name an in-memory image was given).
    public var path: String { storage.path }
    private let storage: MappedFile

    /// Opens and checks the safetensors file at `path`.
    public convenience init(path: String) throws(SafetensorsError) {
        let storage: MappedFile
        do { storage = try MappedFile(path: path) } catch { throw .cannotOpen(error) }
        try self.init(storage: storage)
    }

    /// Reads a safetensors file image held in memory (a copy is kept), under `name` for errors.
    public convenience init(image: [UInt8], name: String = "<memory>") throws(SafetensorsError) {
        try self.init(storage: MappedFile(copying: image, name: name))
    }

    private init(storage: MappedFile) throws(SafetensorsError) {
        header = try SafetensorsHeader.parse(storage.bytes, file: storage.path)
        self.storage = storage
    }

    /// The names of the tensors, sorted.
    public var tensorNames: [String] { header.tensors.keys.sorted() }

    /// The tensor named `name`, or ``SafetensorsError/missingTensor(file:tensor:)``.
    public func tensor(named name: String) throws(SafetensorsError) -> SafetensorsTensor {
        guard let info = header.tensors[name] else { throw .missingTensor(file: path, tensor: name) }
        return SafetensorsTensor(info: info, storage: storage)
    }
}

/// One tensor of an open ``SafetensorsFile``, which it keeps alive.
public struct SafetensorsTensor: Sendable {
    public let info: SafetensorsHeader.TensorInfo
    private let storage: MappedFile

    init(info: SafetensorsHeader.TensorInfo, storage: MappedFile) {
        self.info = info
        self.storage = storage
    }

    public var name: String { info.name }
    public var shape: [Int] { info.shape }
    public var dtype: SafetensorsDType { info.dtype }

    /// The stored bytes, valid during `body`.
    public func withRawBytes<R, E: Error>(_ body: (UnsafeRawBufferPointer) throws(E) -> R) throws(E) -> R {
        try body(UnsafeRawBufferPointer(rebasing: storage.bytes[info.byteRange]))
    }

    /// Converts the values to Float32 into `destination`, which must hold exactly the tensor's elements.
    ///
    /// - Throws: ``SafetensorsError/unsupportedDType(file:tensor:dtype:)`` for a dtype other than F32, F16, BF16.
    public func read(into destination: UnsafeMutableBufferPointer<Float>) throws(SafetensorsError) {
        guard dtype.isSupported else { throw .unsupportedDType(file: storage.path, tensor: name, dtype: dtype) }
        guard destination.count == info.elementCount else {
            throw .bufferSizeMismatch(tensor: name, expected: info.elementCount, found: destination.count)
        }
        guard let output = destination.baseAddress else { return }
        withRawBytes { source in
            guard let input = source.baseAddress else { return }
            switch dtype {
            case .f32:
                UnsafeMutableRawPointer(output).copyMemory(from: input, byteCount: source.count)
            case .f16:
                for i in 0..<destination.count {
                    let bits = UInt16(littleEndian: input.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))
                    output[i] = HalfPrecision.float(half: bits)
                }
            default:
                for i in 0..<destination.count {
                    let bits = UInt16(littleEndian: input.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))
                    output[i] = HalfPrecision.float(bfloat16: bits)
                }
            }
        }
    }

    /// The values as Float32.
    public func floats() throws(SafetensorsError) -> [Float] {
        guard dtype.isSupported else { throw .unsupportedDType(file: storage.path, tensor: name, dtype: dtype) }
        var values = [Float](repeating: 0, count: info.elementCount)
        try values.withUnsafeMutableBufferPointer { (buffer) throws(SafetensorsError) in try read(into: buffer) }
        return values
    }
}
