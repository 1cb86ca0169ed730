public import ModelFiles

/// The block formats the compact decoding kernels read: llama.cpp's 32-value blocks, as GGUF stores them.
///
/// - `q8_0`: a half-precision scale `d`, then 32 signed bytes; value `d · q`. 34 bytes.
/// - `q4_1`: half-precision `d` and `m`, then 16 bytes of nibbles (value `j` in the low nibble of byte `j`, value
///   `j + 16` in its high nibble); value `d · q + m`. 20 bytes.
public enum QuantizedBlockType: Sendable, Equatable, CaseIterable {
    case q8_0
    case q4_1

    /// Values per block.
    public static let blockSize = 32

    /// Bytes per block.
    public var blockBytes: Int {
        switch self {
        case .q8_0: 34
        case .q4_1: 20
        }
    }

    /// The GGUF tensor type of these blocks.
    public var ggmlType: GGMLType {
        switch self {
        case .q8_0: .q8_0
        case .q4_1: .q4_1
        }
    }

    /// The block type of a GGUF tensor type, or nil when the kernels do not read it.
    public init?(_ type: GGMLType) {
        switch type {
        case .q8_0: self = .q8_0
        case .q4_1: self = .q4_1
        default: return nil
        }
    }
}

/// A weight matrix W (rows, columns), stored `[out, in]` as GGUF keeps Linear weights, kept as quantised blocks:
/// each row is `columns / 32` blocks of one ``QuantizedBlockType``, rows back to back, in one 32-byte-aligned
/// allocation.
///
/// Batch-1 decoding reads every weight once per token, so its speed is the memory bandwidth divided by the bytes of
/// the weights: Q4_1 is 5 bits a value and Q8_0 8.5, against Float32's 32. ``QuantizedProduct`` multiplies these
/// blocks with a Float32 vector. The matrix is immutable once made.
public final class QuantizedMatrix {
    public let rows: Int
    public let columns: Int
    public let blockType: QuantizedBlockType
    /// The blocks, `rows · rowBytes` bytes, 32-byte aligned.
    let bytes: UnsafeMutableRawPointer

    /// Blocks per row.
    public var blocksPerRow: Int { columns / QuantizedBlockType.blockSize }
    /// Bytes per row.
    public var rowBytes: Int { blocksPerRow * blockType.blockBytes }
    /// Bytes of all the blocks.
    public var byteCount: Int { rows * rowBytes }

    private init(rows: Int, columns: Int, blockType: QuantizedBlockType) {
        self.rows = rows
        self.columns = columns
        self.blockType = blockType
        bytes = .allocate(byteCount: max(1, rows * (columns / 32) * blockType.blockBytes), alignment: 32)
    }

    deinit { bytes.deallocate() }

    /// The rows of GGUF tensors of one block type, stacked in order (`attn_q`, `attn_k`, `attn_v` as one matrix).
    ///
    /// - Throws: ``QuantizedMatrixError`` naming the tensor that is missing, of a type the kernels do not read, of
    ///   another type than the first, or of another row length.
    public convenience init(gguf: GGUFFile, stacking names: [String]) throws(QuantizedMatrixError) {
        var tensors: [GGUFTensor] = []
        for name in names {
            do { tensors.append(try gguf.tensor(named: name)) } catch { throw .missingTensor(name: name) }
        }
        guard let first = tensors.first else { throw .noTensors }
        guard let blockType = QuantizedBlockType(first.info.type) else {
            throw .unsupportedType(tensor: first.info.name, type: first.info.type)
        }
        for tensor in tensors.dropFirst() {
            guard tensor.info.type == first.info.type else {
                throw .mixedTypes(tensor: tensor.info.name, type: tensor.info.type, expected: first.info.type)
            }
            guard tensor.info.rowLength == first.info.rowLength else {
                throw .rowLength(tensor: tensor.info.name, length: tensor.info.rowLength, expected: first.info.rowLength)
            }
        }
        self.init(
            rows: tensors.reduce(0) { $0 + $1.info.rowCount }, columns: first.info.rowLength, blockType: blockType)
        var offset = 0
        for tensor in tensors {
            tensor.withRawBytes { raw in
                (bytes + offset).copyMemory(from: raw.baseAddress!, byteCount: raw.count)
                offset += raw.count
            }
        }
        precondition(offset == byteCount, "QuantizedMatrix: stacked tensors do not fill the matrix")
    }

    /// `values` (rows · columns Float32, row-major) quantised to Q8_0: per block of 32, `d = max|v| / 127` (stored as
    /// a half) and `q = round(v / d)`, as llama.cpp's reference quantiser does. For a model that has only Float32
    /// weights; the error per value is at most half a step, `d / 2`, plus the rounding of `d` to a half.
    ///
    /// - Throws: ``QuantizedMatrixError/rowLength(tensor:length:expected:)`` when `columns` is not a multiple of 32.
    public convenience init(
        quantizingToQ8_0 values: UnsafePointer<Float>, rows: Int, columns: Int, name: String
    ) throws(QuantizedMatrixError) {
        guard columns > 0, columns % QuantizedBlockType.blockSize == 0 else {
            throw .rowLength(tensor: name, length: columns, expected: (columns + 31) / 32 * 32)
        }
        self.init(rows: rows, columns: columns, blockType: .q8_0)
        for block in 0..<(rows * columns / 32) {
            let source = values + block * 32
            let target = bytes + block * 34
            var largest: Float = 0
            for j in 0..<32 { largest = max(largest, abs(source[j])) }
            let d = largest / 127
            let inverse: Float = d == 0 ? 0 : 1 / d
            target.storeBytes(of: HalfPrecision.half(d).littleEndian, as: UInt16.self)
            for j in 0..<32 {
                let q = (source[j] * inverse).rounded(.toNearestOrAwayFromZero)
                target.storeBytes(of: Int8(max(-127, min(127, q))), toByteOffset: 2 + j, as: Int8.self)
            }
        }
    }

    /// Row `row` as Float32 (for checks: the values the kernels multiply by).
    public func dequantizedRow(_ row: Int) -> [Float] {
        precondition(row >= 0 && row < rows, "QuantizedMatrix: row \(row) outside 0..<\(rows)")
        var values = [Float](repeating: 0, count: columns)
        values.withUnsafeMutableBufferPointer { out in
            let source = UnsafeRawBufferPointer(start: bytes + row * rowBytes, count: rowBytes)
            try! Dequantization.dequantize(blockType.ggmlType, from: source, into: out)
        }
        return values
    }
}
