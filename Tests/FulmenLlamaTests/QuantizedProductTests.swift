import FulmenModel
import ModelFiles
import Testing

@testable import FulmenLlama

/// The compact matrices and their matrix-vector kernels against Float64 sums of the dequantised blocks, and the
/// errors that name what is wrong.
@Suite struct QuantizedProductTests {
    /// A seeded Q4_1 tensor of `rows` × `columns` as GGUF blocks: each block's `d` in [0.001, 0.02), `m` in
    /// [-0.1, 0.1), random nibbles.
    static func q4_1Bytes(rows: Int, columns: Int, seed: UInt64) -> [UInt8] {
        var random = SeededRandom(seed: seed)
        var bytes: [UInt8] = []
        for _ in 0..<(rows * columns / 32) {
            let d = HalfPrecision.half(0.001 + 0.019 * random.nextUnitFloat())
            let m = HalfPrecision.half((random.nextUnitFloat() * 2 - 1) * 0.1)
            withUnsafeBytes(of: d.littleEndian) { bytes.append(contentsOf: $0) }
            withUnsafeBytes(of: m.littleEndian) { bytes.append(contentsOf: $0) }
            for _ in 0..<16 { bytes.append(UInt8(random.nextUnitFloat() * 256) & 0xFF) }
        }
        return bytes
    }

    /// A GGUF image holding `tensors` (name, rows, columns, type, bytes).
    static func file(_ tensors: [(String, Int, Int, GGMLType, [UInt8])]) throws -> GGUFFile {
        var writer = GGUFWriter()
        for (name, rows, columns, type, bytes) in tensors {
            try writer.addTensor(name: name, dimensions: [columns, rows], type: type, bytes: bytes)
        }
        return try GGUFFile(image: writer.image(), name: "quantized-test.gguf")
    }

    /// The largest difference between the kernel (on `workers` threads) and Σ dequantised row · x in Float64, as a
    /// fraction of Σ |w·x| of the row (the scale of the rounding error).
    static func worstError(_ matrix: QuantizedMatrix, seed: UInt64, workers: Int, accumulate: Bool = false) -> Double {
        let x = LlamaTestSupport.random(matrix.columns, seed: seed)
        let start = LlamaTestSupport.random(matrix.rows, seed: seed + 1)
        var y = accumulate ? start : [Float](repeating: .nan, count: matrix.rows)
        x.withUnsafeBufferPointer { x in
            y.withUnsafeMutableBufferPointer { y in
                QuantizedProduct.forward(
                    output: y.baseAddress!, input: x.baseAddress!, weight: matrix, accumulate: accumulate,
                    workers: workers)
            }
        }
        var worst = 0.0
        for o in 0..<matrix.rows {
            let w = matrix.dequantizedRow(o)
            let exact = zip(w, x).reduce(accumulate ? Double(start[o]) : 0) { $0 + Double($1.0) * Double($1.1) }
            let scale = zip(w, x).reduce(1e-6) { $0 + abs(Double($1.0) * Double($1.1)) }
            worst = max(worst, abs(Double(y[o]) - exact) / scale)
        }
        return worst
    }

    @Test(arguments: [1, 2, 3])
    func test_q4_1Product_shouldMatchTheDequantisedRowsInFloat64(workers: Int) throws {
        let seed: UInt64 = 71
        print("Q4_1 product: seed \(seed), \(workers) workers")
        // 690 rows of 1536 (above the threading threshold): slices of multiples of 16 rows per worker, a ragged
        // last one, 48 blocks a row.
        let file = try Self.file([("w", 690, 1536, .q4_1, Self.q4_1Bytes(rows: 690, columns: 1536, seed: seed))])
        let matrix = try QuantizedMatrix(gguf: file, stacking: ["w"])
        #expect(matrix.rows * matrix.columns >= QuantizedProduct.parallelThreshold)
        #expect(matrix.blockType == .q4_1 && matrix.rows == 690 && matrix.columns == 1536)
        #expect(Int(bitPattern: matrix.bytes) % 32 == 0, "blocks are 32-byte aligned")
        // The rows are the file's: dequantised as ModelFiles dequantises the tensor.
        #expect(matrix.dequantizedRow(137) == (try file.tensor(named: "w").dequantized(rows: 137..<138)))
        let worst = Self.worstError(matrix, seed: seed, workers: workers)
        let worstAccumulating = Self.worstError(matrix, seed: seed + 2, workers: workers, accumulate: true)
        print("Q4_1 product: worst relative error \(worst), accumulating \(worstAccumulating)")
        #expect(worst < 1e-5)
        #expect(worstAccumulating < 1e-5)
    }

    @Test func test_q8_0Quantisation_shouldStayWithinHalfAStepAndTheProductMatch() throws {
        let seed: UInt64 = 72
        print("Q8_0 quantisation: seed \(seed)")
        let (rows, columns) = (1840, 576)  // above the threading threshold
        var values = LlamaTestSupport.random(rows * columns, seed: seed, scale: 0.5)
        values[5] = 0  // a zero and an all-zero block quantise to zeros
        for i in 64..<96 { values[i] = 0 }
        let matrix = try values.withUnsafeBufferPointer {
            try QuantizedMatrix(quantizingToQ8_0: $0.baseAddress!, rows: rows, columns: columns, name: "v")
        }
        var worstStep = 0.0
        for row in 0..<rows {
            let dequantised = matrix.dequantizedRow(row)
            for block in 0..<(columns / 32) {
                let slice = (row * columns + block * 32)..<(row * columns + block * 32 + 32)
                let step = Double(values[slice].map(abs).max()!) / 127
                for (j, v) in values[slice].enumerated() {
                    let error = abs(Double(dequantised[block * 32 + j]) - Double(v))
                    // Half a step, and d's rounding to a half (2⁻¹¹ relative) over up to 127 steps.
                    worstStep = max(worstStep, step == 0 ? error : error / step)
                }
            }
        }
        print("Q8_0 quantisation: worst error \(worstStep) steps")
        #expect(worstStep <= 0.5 + 127 * 0x1p-11)
        #expect(matrix.dequantizedRow(0)[64..<96].allSatisfy { $0 == 0 } && matrix.dequantizedRow(0)[5] == 0)
        #expect(Self.worstError(matrix, seed: seed, workers: 2) < 1e-5)
    }

    /// Two to four input rows at once give each row exactly its one-row result (the same sums in the same order),
    /// for both block types, into strided output rows.
    @Test(arguments: [2, 3, 4])
    func test_severalRows_shouldEqualEachRowAlone(rows: Int) throws {
        let seed: UInt64 = 77
        print("several-row product: seed \(seed), \(rows) rows")
        let file = try Self.file([("w", 700, 1536, .q4_1, Self.q4_1Bytes(rows: 700, columns: 1536, seed: seed))])
        let values = LlamaTestSupport.random(48 * 576, seed: seed + 1)
        let q8 = try values.withUnsafeBufferPointer {
            try QuantizedMatrix(quantizingToQ8_0: $0.baseAddress!, rows: 48, columns: 576, name: "v")
        }
        for matrix in [try QuantizedMatrix(gguf: file, stacking: ["w"]), q8] {
            let x = LlamaTestSupport.random(rows * matrix.columns, seed: seed + 2)
            let stride = matrix.rows + 5
            var together = [Float](repeating: 0, count: rows * stride)
            var alone = together
            x.withUnsafeBufferPointer { x in
                together.withUnsafeMutableBufferPointer { y in
                    QuantizedProduct.forward(
                        output: y.baseAddress!, input: x.baseAddress!, weight: matrix, rows: rows,
                        outputStride: stride, accumulate: true, workers: 2)
                }
                alone.withUnsafeMutableBufferPointer { y in
                    for r in 0..<rows {
                        QuantizedProduct.forward(
                            output: y.baseAddress! + r * stride, input: x.baseAddress! + r * matrix.columns,
                            weight: matrix, accumulate: true, workers: 1)
                    }
                }
            }
            #expect(together == alone, "\(matrix.blockType), \(rows) rows")
            #expect(together[matrix.rows..<stride].allSatisfy { $0 == 0 }, "nothing written between output rows")
        }
    }

    @Test func test_stackedTensors_shouldBeOneMatrixOfTheirRowsInOrder() throws {
        let a = Self.q4_1Bytes(rows: 3, columns: 64, seed: 73)
        let b = Self.q4_1Bytes(rows: 2, columns: 64, seed: 74)
        let file = try Self.file([("a", 3, 64, .q4_1, a), ("b", 2, 64, .q4_1, b)])
        let matrix = try QuantizedMatrix(gguf: file, stacking: ["a", "b"])
        #expect(matrix.rows == 5)
        #expect(matrix.dequantizedRow(3) == (try file.tensor(named: "b").dequantized(rows: 0..<1)))
        #expect(matrix.byteCount == a.count + b.count)
    }

    @Test func test_unusableTensors_shouldBeRefusedByName() throws {
        let file = try Self.file([
            ("q41", 2, 64, .q4_1, Self.q4_1Bytes(rows: 2, columns: 64, seed: 75)),
            ("q41wide", 2, 96, .q4_1, Self.q4_1Bytes(rows: 2, columns: 96, seed: 76)),
            ("q80", 2, 64, .q8_0, [UInt8](repeating: 0, count: 4 * 34)),
            ("f32", 2, 64, .f32, [UInt8](repeating: 0, count: 2 * 64 * 4)),
        ])
        #expect(throws: QuantizedMatrixError.unsupportedType(tensor: "f32", type: .f32)) {
            try QuantizedMatrix(gguf: file, stacking: ["f32"])
        }
        #expect(throws: QuantizedMatrixError.mixedTypes(tensor: "q80", type: .q8_0, expected: .q4_1)) {
            try QuantizedMatrix(gguf: file, stacking: ["q41", "q80"])
        }
        #expect(throws: QuantizedMatrixError.rowLength(tensor: "q41wide", length: 96, expected: 64)) {
            try QuantizedMatrix(gguf: file, stacking: ["q41", "q41wide"])
        }
        #expect(throws: QuantizedMatrixError.missingTensor(name: "absent")) {
            try QuantizedMatrix(gguf: file, stacking: ["q41", "absent"])
        }
        #expect(throws: QuantizedMatrixError.noTensors) { try QuantizedMatrix(gguf: file, stacking: []) }
        let values = [Float](repeating: 1, count: 2 * 48)
        #expect(throws: QuantizedMatrixError.rowLength(tensor: "v", length: 48, expected: 64)) {
            try values.withUnsafeBufferPointer {
                try QuantizedMatrix(quantizingToQ8_0: $0.baseAddress!, rows: 2, columns: 48, name: "v")
            }
        }
        #expect("\(QuantizedMatrixError.unsupportedType(tensor: "f32", type: .f32))".contains("'f32'"))
    }
}
