import FulmenModel

/// `y = x · Wᵀ` for a few rows (batched decoding: one row per sequence), reading each weight row once for up to
/// eight input rows.
///
/// With W (O, I) stored `[out, in]`, OpenBLAS's `sgemm` packs W for every call, so a product with 2-16 rows costs
/// several times a one-row `sgemv`, though the work is bound by reading W either way. Here each weight row is
/// loaded once and multiplied into eight accumulators, one per input row, which makes a step of eight sequences
/// cost about one sequence's. Shapes: `input` (R, I), `output` rows `ldo` apart.
enum SmallBatchProduct {
    /// The most rows this kernel takes; larger products go to `sgemm`.
    static let maximumRows = 16

    /// Writes (or adds, when `accumulate`) `input · Wᵀ` for the output features in `range`.
    static func forward(
        output: FloatPointer, ldo: Int, input: UnsafePointer<Float>, weight: UnsafePointer<Float>, rows: Int,
        inputSize: Int, range: Range<Int>, accumulate: Bool
    ) {
        var r0 = 0
        while r0 < rows {
            let count = min(8, rows - r0)
            group(
                output: output + r0 * ldo, ldo: ldo, input: input + r0 * inputSize, weight: weight, rows: count,
                inputSize: inputSize, range: range, accumulate: accumulate)
            r0 += count
        }
    }

    /// Up to eight rows; rows past `rows` repeat the last one and are not stored.
    private static func group(
        output: FloatPointer, ldo: Int, input: UnsafePointer<Float>, weight: UnsafePointer<Float>, rows: Int,
        inputSize n: Int, range: Range<Int>, accumulate: Bool
    ) {
        let x0 = input
        let x1 = input + min(1, rows - 1) * n
        let x2 = input + min(2, rows - 1) * n
        let x3 = input + min(3, rows - 1) * n
        let x4 = input + min(4, rows - 1) * n
        let x5 = input + min(5, rows - 1) * n
        let x6 = input + min(6, rows - 1) * n
        let x7 = input + min(7, rows - 1) * n
        let vectorEnd = n / 8 * 8
        withUnsafeTemporaryAllocation(of: Float.self, capacity: 8) { sums in
            for o in range {
                let w = weight + o * n
                var a0 = Lanes.Vector()
                var a1 = Lanes.Vector()
                var a2 = Lanes.Vector()
                var a3 = Lanes.Vector()
                var a4 = Lanes.Vector()
                var a5 = Lanes.Vector()
                var a6 = Lanes.Vector()
                var a7 = Lanes.Vector()
                var i = 0
                while i < vectorEnd {
                    let v = Lanes.load(w + i)
                    a0 += v * Lanes.load(x0 + i)
                    a1 += v * Lanes.load(x1 + i)
                    a2 += v * Lanes.load(x2 + i)
                    a3 += v * Lanes.load(x3 + i)
                    a4 += v * Lanes.load(x4 + i)
                    a5 += v * Lanes.load(x5 + i)
                    a6 += v * Lanes.load(x6 + i)
                    a7 += v * Lanes.load(x7 + i)
                    i += 8
                }
                sums[0] = a0.sum()
                sums[1] = a1.sum()
                sums[2] = a2.sum()
                sums[3] = a3.sum()
                sums[4] = a4.sum()
                sums[5] = a5.sum()
                sums[6] = a6.sum()
                sums[7] = a7.sum()
                while i < n {
                    for r in 0..<rows { sums[r] += w[i] * input[r * n + i] }
                    i += 1
                }
                for r in 0..<rows {
                    let y = output + r * ldo + o
                    y.pointee = accumulate ? y.pointee + sums[r] : sums[r]
                }
            }
        }
    }
}
