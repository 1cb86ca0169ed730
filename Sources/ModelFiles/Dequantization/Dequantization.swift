/// Dequantisation of ggml's tensor types to Float32: F32, F16, BF16, the 32-value blocks Q4_0, Q4_1, Q5_0, Q5_1,
/// Q8_0, and the 256-value super-blocks Q4_K, Q5_K, Q6_K.
///
/// The block layouts are ggml's (`ggml-common.h`); the arithmetic is the reference dequantisation's
/// (`ggml-quants.c`, and the `gguf` Python package's `gguf.quants`), operation for operation in Float32 with no
/// fused multiply-add, so the results equal the Python package's bit for bit (the tests check it).
public enum Dequantization {
    /// Dequantises the blocks in `source` into `destination`.
    ///
    /// `destination.count` must be a whole number of `type`'s blocks, and `source` exactly those blocks' bytes.
    /// `tensor` names the data in errors.
    public static func dequantize(
        _ type: GGMLType, from source: UnsafeRawBufferPointer, into destination: UnsafeMutableBufferPointer<Float>,
        tensor: String = "buffer"
    ) throws(GGUFError) {
        guard type.canDequantize else { throw .unsupportedTensorType(tensor: tensor, type: type) }
        guard let byteCount = type.byteCount(values: destination.count) else {
            throw .bufferSizeMismatch(
                what: "destination for '\(tensor)' (values, a multiple of \(type.blockSize) expected)",
                expected: destination.count / type.blockSize * type.blockSize, found: destination.count)
        }
        guard source.count == byteCount else {
            throw .bufferSizeMismatch(what: "source of '\(tensor)' (bytes)", expected: byteCount, found: source.count)
        }
        guard let input = source.baseAddress, let output = destination.baseAddress else { return }
        let blocks = destination.count / type.blockSize
        switch type {
        case .f32: UnsafeMutableRawPointer(output).copyMemory(from: input, byteCount: byteCount)
        case .f16: dequantizeF16(input, output, count: destination.count)
        case .bf16: dequantizeBF16(input, output, count: destination.count)
        case .q8_0: dequantizeQ8_0(input, output, blocks: blocks)
        case .q4_0: dequantizeQ4_0(input, output, blocks: blocks)
        case .q4_1: dequantizeQ4_1(input, output, blocks: blocks)
        case .q5_0: dequantizeQ5_0(input, output, blocks: blocks)
        case .q5_1: dequantizeQ5_1(input, output, blocks: blocks)
        case .q4_K: dequantizeQ4_K(input, output, blocks: blocks)
        case .q5_K: dequantizeQ5_K(input, output, blocks: blocks)
        case .q6_K: dequantizeQ6_K(input, output, blocks: blocks)
        default: throw .unsupportedTensorType(tensor: tensor, type: type)
        }
    }

    /// Dequantises `source`, all of it, into a new array.
    public static func dequantize(_ type: GGMLType, from source: UnsafeRawBufferPointer, tensor: String = "buffer")
        throws(GGUFError) -> [Float]
    {
        guard type.canDequantize else { throw .unsupportedTensorType(tensor: tensor, type: type) }
        guard source.count % type.blockBytes == 0 else {
            throw .bufferSizeMismatch(
                what: "source of '\(tensor)' (bytes, whole \(type) blocks of \(type.blockBytes))",
                expected: source.count / type.blockBytes * type.blockBytes, found: source.count)
        }
        let count = source.count / type.blockBytes * type.blockSize
        var values = [Float](repeating: 0, count: count)
        try values.withUnsafeMutableBufferPointer { (buffer) throws(GGUFError) in
            try dequantize(type, from: source, into: buffer, tensor: tensor)
        }
        return values
    }

    // MARK: Plain number formats

    private static func dequantizeF16(_ input: UnsafeRawPointer, _ output: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count { output[i] = half(input, i * 2) }
    }

    private static func dequantizeBF16(_ input: UnsafeRawPointer, _ output: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count {
            let bits = UInt16(littleEndian: input.loadUnaligned(fromByteOffset: i * 2, as: UInt16.self))
            output[i] = HalfPrecision.float(bfloat16: bits)
        }
    }

    // MARK: Shared reads

    /// The IEEE half-precision value at `offset`.
    @inline(__always)
    static func half(_ base: UnsafeRawPointer, _ offset: Int) -> Float {
        HalfPrecision.float(half: UInt16(littleEndian: base.loadUnaligned(fromByteOffset: offset, as: UInt16.self)))
    }

    @inline(__always)
    static func byte(_ base: UnsafeRawPointer, _ offset: Int) -> UInt8 {
        base.load(fromByteOffset: offset, as: UInt8.self)
    }
}
