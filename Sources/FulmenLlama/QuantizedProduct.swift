import FulmenModel
import ModelFiles

/// `y = W x` (or `y += W x`) for a ``QuantizedMatrix`` W and one Float32 vector x: the batch-1 decoding product,
/// spread over worker threads by slices of W's rows as ``Projection`` does.
///
/// Each block is dequantised on the fly into eight-float lanes and multiplied into Float32 x with fused
/// multiply-adds (`d · Σ q·x` per block, plus `m · Σ x` for Q4_1, whose block sums of x are computed once per
/// product): about 24 instructions per block of 32 weights, 4.3-5.3 GB/s of Q4_1 on one thread here.
///
/// Why not llama.cpp's way (x quantised to 8 bits per block, integer dot products): measured on SmolLM2's Q4_1
/// matrices, written with Swift's SIMD types it ran at 1.3-2.3 GB/s, two to three times slower, because those types
/// do not lower to AVX2's `vpmaddubsw`/`vpmaddwd` (LLVM widens and uses `vpmulld` or `vpmullw` plus widening
/// moves), and its error was 4e-4 of Σ|w·x| against 2e-8 here. Dequantising keeps the product the Float32 path's up
/// to summation order.
enum QuantizedProduct {
    /// Below this many weights a product runs on one thread. A compact product is fast (about 8 cycles per block
    /// of 32) and waking a worker costs tens of microseconds, so only the larger matrices are split.
    static let parallelThreshold = 1 << 20

    /// The most input rows one product takes (a step of up to this many decoding sequences).
    static let maximumRows = 4

    /// `output[r, o] = Σᵢ W[o, i] · input[r, i]` for every output feature o and each of `rows` (1 to
    /// ``maximumRows``) input rows, or `+=` when `accumulate`; input rows are `W.columns` apart, output rows
    /// `outputStride` apart. Each block is dequantised once for all the rows, and each row's sum is taken in the
    /// same order whatever the number of rows, so a sequence's result does not depend on its batch.
    static func forward(
        output: FloatPointer, input: UnsafePointer<Float>, weight: QuantizedMatrix, rows: Int = 1,
        outputStride: Int? = nil, accumulate: Bool, workers: Int
    ) {
        precondition((1...maximumRows).contains(rows), "QuantizedProduct: \(rows) rows, at most \(maximumRows)")
        let blocks = weight.blocksPerRow
        let ldo = outputStride ?? weight.rows
        let n = weight.columns
        withUnsafeTemporaryAllocation(of: Float.self, capacity: maximumRows * blocks) { sums in
            let blockSums = sums.baseAddress!
            if weight.blockType == .q4_1 {
                for r in 0..<maximumRows {
                    let x = input + min(r, rows - 1) * n
                    for b in 0..<blocks {
                        var lanes = load(x + b * 32)
                        lanes += load(x + b * 32 + 8)
                        lanes += load(x + b * 32 + 16)
                        lanes += load(x + b * 32 + 24)
                        blockSums[r * blocks + b] = lanes.sum()
                    }
                }
            }
            let parts =
                weight.rows * weight.columns < parallelThreshold ? 1 : max(1, min(workers, weight.rows / 16))
            let base = UnsafeRawPointer(weight.bytes)
            let rowBytes = weight.rowBytes
            let type = weight.blockType
            parallelFor(parts) { part in
                let range = Projection.slice(part, of: parts, size: weight.rows)
                func store(_ y: Float, row r: Int, feature o: Int) {
                    let target = output + r * ldo + o
                    target.pointee = accumulate ? target.pointee + y : y
                }
                for o in range {
                    let row = base + o * rowBytes
                    if rows == 1 {
                        switch type {
                        case .q8_0: store(dotQ8_0(row, blocks: blocks, x: input), row: 0, feature: o)
                        case .q4_1:
                            store(dotQ4_1(row, blocks: blocks, x: input, blockSums: blockSums), row: 0, feature: o)
                        }
                    } else {
                        let y =
                            switch type {
                            case .q8_0: dotsQ8_0(row, blocks: blocks, x: input, rows: rows, stride: n)
                            case .q4_1:
                                dotsQ4_1(row, blocks: blocks, x: input, rows: rows, stride: n, blockSums: blockSums)
                            }
                        for r in 0..<rows { store(y[r], row: r, feature: o) }
                    }
                }
            }
        }
    }

    /// The four rows of x a multi-row kernel reads: rows past `rows` repeat the last (their sums are not stored).
    @inline(__always)
    static func rowPointers(_ x: UnsafePointer<Float>, rows: Int, stride n: Int) -> (
        UnsafePointer<Float>, UnsafePointer<Float>, UnsafePointer<Float>, UnsafePointer<Float>
    ) {
        (x, x + min(1, rows - 1) * n, x + min(2, rows - 1) * n, x + min(3, rows - 1) * n)
    }

    /// `Σ w·x` over one block of 32 from its four eight-value lanes, in the order the one-row kernels sum.
    @inline(__always)
    static func blockDot(
        _ w0: Lanes.Vector, _ w1: Lanes.Vector, _ w2: Lanes.Vector, _ w3: Lanes.Vector, _ x: UnsafePointer<Float>
    ) -> Lanes.Vector {
        var sum = w0 * load(x)
        sum.addProduct(w1, load(x + 8))
        sum.addProduct(w2, load(x + 16))
        sum.addProduct(w3, load(x + 24))
        return sum
    }

    /// One Q8_0 row times up to four rows of x (see ``dotQ8_0(_:blocks:x:)``).
    @inline(__always)
    static func dotsQ8_0(_ row: UnsafeRawPointer, blocks: Int, x: UnsafePointer<Float>, rows: Int, stride: Int)
        -> SIMD4<Float>
    {
        let (x0, x1, x2, x3) = rowPointers(x, rows: rows, stride: stride)
        var (t0, t1, t2, t3) = (Lanes.Vector(), Lanes.Vector(), Lanes.Vector(), Lanes.Vector())
        for b in 0..<blocks {
            let block = row + b * 34
            let o = b * 32
            let w0 = signedLanes(block, 2)
            let w1 = signedLanes(block, 10)
            let w2 = signedLanes(block, 18)
            let w3 = signedLanes(block, 26)
            let d = Lanes.Vector(repeating: half(block, 0))
            t0.addProduct(d, blockDot(w0, w1, w2, w3, x0 + o))
            t1.addProduct(d, blockDot(w0, w1, w2, w3, x1 + o))
            t2.addProduct(d, blockDot(w0, w1, w2, w3, x2 + o))
            t3.addProduct(d, blockDot(w0, w1, w2, w3, x3 + o))
        }
        return SIMD4(t0.sum(), t1.sum(), t2.sum(), t3.sum())
    }

    /// One Q4_1 row times up to four rows of x (see ``dotQ4_1(_:blocks:x:blockSums:)``); `blockSums` holds four
    /// rows of block sums, `blocks` apart.
    @inline(__always)
    static func dotsQ4_1(
        _ row: UnsafeRawPointer, blocks: Int, x: UnsafePointer<Float>, rows: Int, stride: Int,
        blockSums: UnsafePointer<Float>
    ) -> SIMD4<Float> {
        let (x0, x1, x2, x3) = rowPointers(x, rows: rows, stride: stride)
        var (t0, t1, t2, t3) = (Lanes.Vector(), Lanes.Vector(), Lanes.Vector(), Lanes.Vector())
        var (o0, o1, o2, o3): (Float, Float, Float, Float) = (0, 0, 0, 0)
        for b in 0..<blocks {
            let block = row + b * 20
            let o = b * 32
            let first = SIMD8<Int32>(truncatingIfNeeded: block.loadUnaligned(fromByteOffset: 4, as: SIMD8<UInt8>.self))
            let second = SIMD8<Int32>(
                truncatingIfNeeded: block.loadUnaligned(fromByteOffset: 12, as: SIMD8<UInt8>.self))
            let (w0, w1) = (Lanes.Vector(first & 15), Lanes.Vector(second & 15))
            let (w2, w3) = (Lanes.Vector(first &>> 4), Lanes.Vector(second &>> 4))
            let d = Lanes.Vector(repeating: half(block, 0))
            let m = half(block, 2)
            t0.addProduct(d, blockDot(w0, w1, w2, w3, x0 + o))
            t1.addProduct(d, blockDot(w0, w1, w2, w3, x1 + o))
            t2.addProduct(d, blockDot(w0, w1, w2, w3, x2 + o))
            t3.addProduct(d, blockDot(w0, w1, w2, w3, x3 + o))
            o0.addProduct(m, blockSums[b])
            o1.addProduct(m, blockSums[blocks + b])
            o2.addProduct(m, blockSums[2 * blocks + b])
            o3.addProduct(m, blockSums[3 * blocks + b])
        }
        return SIMD4(t0.sum() + o0, t1.sum() + o1, t2.sum() + o2, t3.sum() + o3)
    }

    /// One Q8_0 row times x: per block, `d · Σ q·x`.
    @inline(__always)
    static func dotQ8_0(_ row: UnsafeRawPointer, blocks: Int, x: UnsafePointer<Float>) -> Float {
        var total = Lanes.Vector()
        for b in 0..<blocks {
            let block = row + b * 34
            let xb = x + b * 32
            let q0 = SIMD8<Int32>(truncatingIfNeeded: block.loadUnaligned(fromByteOffset: 2, as: SIMD8<Int8>.self))
            let q1 = SIMD8<Int32>(truncatingIfNeeded: block.loadUnaligned(fromByteOffset: 10, as: SIMD8<Int8>.self))
            let q2 = SIMD8<Int32>(truncatingIfNeeded: block.loadUnaligned(fromByteOffset: 18, as: SIMD8<Int8>.self))
            let q3 = SIMD8<Int32>(truncatingIfNeeded: block.loadUnaligned(fromByteOffset: 26, as: SIMD8<Int8>.self))
            var sum = Lanes.Vector(q0) * load(xb)
            sum.addProduct(Lanes.Vector(q1), load(xb + 8))
            sum.addProduct(Lanes.Vector(q2), load(xb + 16))
            sum.addProduct(Lanes.Vector(q3), load(xb + 24))
            total.addProduct(Lanes.Vector(repeating: half(block, 0)), sum)
        }
        return total.sum()
    }

    /// One Q4_1 row times x: per block, `d · Σ q·x + m · Σ x`.
    @inline(__always)
    static func dotQ4_1(
        _ row: UnsafeRawPointer, blocks: Int, x: UnsafePointer<Float>, blockSums: UnsafePointer<Float>
    ) -> Float {
        var total = Lanes.Vector()
        var offsets: Float = 0
        for b in 0..<blocks {
            let block = row + b * 20
            let xb = x + b * 32
            // Bytes 0-7 hold values 0-7 (low nibbles) and 16-23 (high); bytes 8-15 hold 8-15 and 24-31.
            let first = SIMD8<Int32>(truncatingIfNeeded: block.loadUnaligned(fromByteOffset: 4, as: SIMD8<UInt8>.self))
            let second = SIMD8<Int32>(
                truncatingIfNeeded: block.loadUnaligned(fromByteOffset: 12, as: SIMD8<UInt8>.self))
            var sum = Lanes.Vector(first & 15) * load(xb)
            sum.addProduct(Lanes.Vector(second & 15), load(xb + 8))
            sum.addProduct(Lanes.Vector(first &>> 4), load(xb + 16))
            sum.addProduct(Lanes.Vector(second &>> 4), load(xb + 24))
            total.addProduct(Lanes.Vector(repeating: half(block, 0)), sum)
            offsets.addProduct(half(block, 2), blockSums[b])
        }
        return total.sum() + offsets
    }

    /// Eight floats at `p`. Here rather than ``Lanes/load(_:)`` so that builds without whole-module optimisation
    /// (debug builds, which compile each file alone) inline it too.
    @inline(__always)
    static func load(_ p: UnsafePointer<Float>) -> Lanes.Vector {
        UnsafeRawPointer(p).loadUnaligned(as: Lanes.Vector.self)
    }

    /// Eight signed bytes at `offset` in `block`, as floats.
    @inline(__always)
    static func signedLanes(_ block: UnsafeRawPointer, _ offset: Int) -> Lanes.Vector {
        let bytes = block.loadUnaligned(fromByteOffset: offset, as: SIMD8<Int8>.self)
        return Lanes.Vector(SIMD8<Int32>(truncatingIfNeeded: bytes))
    }

    /// The little-endian half at `offset` in `block`, as Float32.
    @inline(__always)
    static func half(_ block: UnsafeRawPointer, _ offset: Int) -> Float {
        let bits = UInt16(littleEndian: block.loadUnaligned(fromByteOffset: offset, as: UInt16.self))
        #if !(os(macOS) && arch(x86_64))
            return Float(Float16(bitPattern: bits))
        #else
            return HalfPrecision.float(half: bits)
        #endif
    }
}
