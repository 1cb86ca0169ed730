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

    /// `output[o] = Σᵢ W[o, i] · input[i]` for every row o, or `+=` when `accumulate`.
    static func forward(
        output: FloatPointer, input: UnsafePointer<Float>, weight: QuantizedMatrix, accumulate: Bool, workers: Int
    ) {
        let blocks = weight.blocksPerRow
        withUnsafeTemporaryAllocation(of: Float.self, capacity: blocks) { sums in
            let blockSums = sums.baseAddress!
            if weight.blockType == .q4_1 {
                for b in 0..<blocks {
                    var lanes = load(input + b * 32)
                    lanes += load(input + b * 32 + 8)
                    lanes += load(input + b * 32 + 16)
                    lanes += load(input + b * 32 + 24)
                    blockSums[b] = lanes.sum()
                }
            }
            let n = weight.rows * weight.columns < parallelThreshold ? 1 : max(1, min(workers, weight.rows / 16))
            let base = UnsafeRawPointer(weight.bytes)
            let rowBytes = weight.rowBytes
            let type = weight.blockType
            parallelFor(n) { part in
                let range = Projection.slice(part, of: n, size: weight.rows)
                for o in range {
                    let row = base + o * rowBytes
                    let y =
                        switch type {
                        case .q8_0: dotQ8_0(row, blocks: blocks, x: input)
                        case .q4_1: dotQ4_1(row, blocks: blocks, x: input, blockSums: blockSums)
                        }
                    output[o] = accumulate ? output[o] + y : y
                }
            }
        }
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
