/// A GGUF model file (llama.cpp's format), memory-mapped read-only and checked when opened.
///
/// Opening parses the header, the metadata and the tensor infos, and checks the layout: versions 2 and 3 only,
/// little-endian, every tensor of a known type, aligned, inside the data section and overlapping no other. The
/// tensors' bytes are not read until asked for (``tensor(named:)``, then dequantised by rows), so opening a
/// large model costs little more than reading its metadata.
public final class GGUFFile: Sendable {
    /// The GGUF version (2 or 3).
    public let version: UInt32
    public let metadata: GGUFMetadata
    /// The tensors in the order the file lists them.
    public let tensors: [GGUFTensorInfo]
    /// The data section's alignment (`general.alignment`, 32 by default).
    public let alignment: Int
    /// Where the data section starts in the file.
    public let dataOffset: Int
    /// The file's path (or the name an in-memory image was given).
    public var path: String { storage.path }

    private let storage: MappedFile
    private let index: [String: Int]

    /// Opens and checks the GGUF file at `path`.
    ///
    /// - Throws: ``GGUFError`` naming what is wrong and where.
    public convenience init(path: String) throws(GGUFError) {
        let storage: MappedFile
        do { storage = try MappedFile(path: path) } catch { throw .cannotOpen(error) }
        try self.init(storage: storage)
    }

    /// Reads a GGUF file image held in memory (a copy is kept), under `name` for errors.
    public convenience init(image: [UInt8], name: String = "<memory>") throws(GGUFError) {
        try self.init(storage: MappedFile(copying: image, name: name))
    }

    private init(storage: MappedFile) throws(GGUFError) {
        let contents = try GGUFParser.parse(storage.bytes)
        self.storage = storage
        version = contents.version
        metadata = contents.metadata
        tensors = contents.tensors
        alignment = contents.alignment
        dataOffset = contents.dataOffset
        index = Dictionary(uniqueKeysWithValues: contents.tensors.enumerated().map { ($1.name, $0) })
    }

    /// The tensor named `name`, or ``GGUFError/missingTensor(_:)``.
    public func tensor(named name: String) throws(GGUFError) -> GGUFTensor {
        guard let position = index[name] else { throw .missingTensor(name) }
        return GGUFTensor(info: tensors[position], storage: storage, start: dataOffset + Int(tensors[position].offset))
    }

    /// The info of the tensor named `name`, if there is one.
    public func info(named name: String) -> GGUFTensorInfo? { index[name].map { tensors[$0] } }
}

/// One tensor of an open ``GGUFFile``: its info and its bytes in the mapping, which it keeps alive.
public struct GGUFTensor: Sendable {
    public let info: GGUFTensorInfo
    private let storage: MappedFile
    private let start: Int

    init(info: GGUFTensorInfo, storage: MappedFile, start: Int) {
        self.info = info
        self.storage = storage
        self.start = start
    }

    /// The tensor's bytes as stored (quantised blocks for quantised types), valid while this value or its file
    /// lives: for kernels that work on the quantised blocks themselves.
    public func withRawBytes<R, E: Error>(_ body: (UnsafeRawBufferPointer) throws(E) -> R) throws(E) -> R {
        try body(UnsafeRawBufferPointer(rebasing: storage.bytes[start..<(start + info.byteCount)]))
    }

    /// Dequantises `rows` (each of ``GGUFTensorInfo/rowLength`` values) into `destination`, which must hold
    /// exactly `rows.count * rowLength` values.
    ///
    /// - Throws: ``GGUFError/unsupportedTensorType(tensor:type:)`` for a type Fulmen cannot dequantise,
    ///   ``GGUFError/rowsOutOfRange(tensor:rows:rowCount:)``, ``GGUFError/bufferSizeMismatch(what:expected:found:)``.
    public func dequantize(rows: Range<Int>, into destination: UnsafeMutableBufferPointer<Float>) throws(GGUFError) {
        guard info.type.canDequantize else { throw .unsupportedTensorType(tensor: info.name, type: info.type) }
        guard rows.lowerBound >= 0, rows.upperBound <= info.rowCount else {
            throw .rowsOutOfRange(tensor: info.name, rows: rows, rowCount: info.rowCount)
        }
        let valueCount = rows.count * info.rowLength
        guard destination.count == valueCount else {
            throw .bufferSizeMismatch(
                what: "destination for rows \(rows) of '\(info.name)'", expected: valueCount, found: destination.count)
        }
        let first = start + rows.lowerBound * info.rowByteCount
        let source = UnsafeRawBufferPointer(rebasing: storage.bytes[first..<(first + rows.count * info.rowByteCount)])
        try Dequantization.dequantize(info.type, from: source, into: destination)
    }

    /// Dequantises row `row` into `destination`, which must hold ``GGUFTensorInfo/rowLength`` values: one token's
    /// embedding, say.
    public func dequantize(row: Int, into destination: UnsafeMutableBufferPointer<Float>) throws(GGUFError) {
        try dequantize(rows: row..<(row + 1), into: destination)
    }

    /// The whole tensor as Float32, row after row.
    public func dequantized() throws(GGUFError) -> [Float] {
        try dequantized(rows: 0..<info.rowCount)
    }

    /// Rows `rows` as Float32.
    public func dequantized(rows: Range<Int>) throws(GGUFError) -> [Float] {
        guard rows.lowerBound >= 0, rows.upperBound <= info.rowCount else {
            throw .rowsOutOfRange(tensor: info.name, rows: rows, rowCount: info.rowCount)
        }
        let count = rows.count * info.rowLength
        var failure: GGUFError?
        let values = [Float](unsafeUninitializedCapacity: count) { buffer, initialised in
            do throws(GGUFError) {
                try dequantize(rows: rows, into: buffer)
            } catch {
                failure = error
                buffer.initialize(repeating: 0)
            }
            initialised = count
        }
        if let failure { throw failure }
        return values
    }
}
