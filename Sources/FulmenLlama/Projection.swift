import FulmenModel

/// Products with a weight matrix W (O, I) stored `[out, in]` row-major, as GGUF and PyTorch keep Linear weights,
/// spread over worker threads by slices of the weight: each worker runs single-threaded OpenBLAS on a contiguous
/// block of W's rows (or columns), so even a one-row product (batch-1 decoding) uses every core.
///
/// Shapes: `input` (R, I), `output` (R, O), each row `ldo` apart (default O).
enum Projection {
    /// Below this many multiply-adds a product runs on one thread: splitting costs more than it saves.
    static let parallelThreshold = 1 << 18

    /// How many slices of `size` a product of `work` multiply-adds is cut into, each a multiple of 16 wide.
    static func parts(workers: Int, size: Int, work: Int) -> Int {
        work < parallelThreshold ? 1 : max(1, min(workers, size / 16))
    }

    /// The bounds of slice `part` of `parts` over `size`, rounded to multiples of 16.
    @inline(__always)
    static func slice(_ part: Int, of parts: Int, size: Int) -> Range<Int> {
        let lower = part == 0 ? 0 : min(size, (part * size / parts + 15) / 16 * 16)
        let upper = part == parts - 1 ? size : min(size, ((part + 1) * size / parts + 15) / 16 * 16)
        return lower..<max(lower, upper)
    }

    /// `output = input · Wᵀ`, or `output += input · Wᵀ` when `accumulate`.
    static func forward(
        output: FloatPointer, input: UnsafePointer<Float>, weight: UnsafePointer<Float>, rows: Int, inputSize: Int,
        outputSize: Int, accumulate: Bool, workers: Int, outputStride: Int? = nil
    ) {
        let ldo = outputStride ?? outputSize
        let n = parts(workers: workers, size: outputSize, work: rows * inputSize * outputSize)
        parallelFor(n) { part in
            let range = slice(part, of: n, size: outputSize)
            if range.isEmpty { return }
            if rows > 1 && rows <= SmallBatchProduct.maximumRows {
                SmallBatchProduct.forward(
                    output: output, ldo: ldo, input: input, weight: weight, rows: rows, inputSize: inputSize,
                    range: range, accumulate: accumulate)
            } else if rows == 1 {
                sgemv(
                    transposed: false, m: range.count, n: inputSize, a: weight + range.lowerBound * inputSize,
                    lda: inputSize, x: input, beta: accumulate ? 1 : 0, y: output + range.lowerBound)
            } else {
                sgemm(
                    false, true, m: rows, n: range.count, k: inputSize, a: input, lda: inputSize,
                    b: weight + range.lowerBound * inputSize, ldb: inputSize, beta: accumulate ? 1 : 0,
                    c: output + range.lowerBound, ldc: ldo)
            }
        }
    }

    /// The backward pass of ``forward(output:input:weight:rows:inputSize:outputSize:accumulate:workers:outputStride:)``:
    /// adds `dyᵀ · input` to the weight's gradient when one is given (not for a frozen weight), and writes `dy · W`
    /// into the input's gradient (adds it when `accumulateInput`), when one is given.
    static func backward(
        inputGradient dx: FloatPointer?, weightGradient dw: FloatPointer?, outputGradient dy: UnsafePointer<Float>,
        input: UnsafePointer<Float>, weight: UnsafePointer<Float>, rows: Int, inputSize: Int, outputSize: Int,
        accumulateInput: Bool = false, workers: Int
    ) {
        let work = rows * inputSize * outputSize
        if let dx {
            let n = parts(workers: workers, size: inputSize, work: work)
            parallelFor(n) { part in
                let range = slice(part, of: n, size: inputSize)
                if range.isEmpty { return }
                sgemm(
                    false, false, m: rows, n: range.count, k: outputSize, a: dy, lda: outputSize,
                    b: weight + range.lowerBound, ldb: inputSize, beta: accumulateInput ? 1 : 0,
                    c: dx + range.lowerBound, ldc: inputSize)
            }
        }
        guard let dw else { return }
        let n = parts(workers: workers, size: outputSize, work: work)
        parallelFor(n) { part in
            let range = slice(part, of: n, size: outputSize)
            if range.isEmpty { return }
            sgemm(
                true, false, m: range.count, n: inputSize, k: rows, a: dy + range.lowerBound, lda: outputSize,
                b: input, ldb: inputSize, beta: 1, c: dw + range.lowerBound * inputSize, ldc: inputSize)
        }
    }
}
