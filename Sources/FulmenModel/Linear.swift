/// A fully connected layer `y = x · Wᵀ + b` on `cblas_sgemm`, with W stored `[out, in]` as in PyTorch.
///
/// Shapes: `input` (R, I) for R rows; `weight` (O, I); `bias` (O); `output` (R, O).
/// https://pytorch.org/docs/stable/generated/torch.nn.Linear.html
enum Linear {
    /// Writes `input · Wᵀ + bias` into `output`, or `residual + input · Wᵀ + bias` when a residual is given
    /// (a residual connection fused into the product).
    static func forward(
        output: FloatPointer, input: UnsafePointer<Float>, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
        rows: Int, inputSize: Int, outputSize: Int, residual: UnsafePointer<Float>? = nil
    ) {
        for r in 0..<rows {
            let y = output + r * outputSize
            if let residual {
                let x = residual + r * outputSize
                if let bias {
                    for o in 0..<outputSize { y[o] = x[o] + bias[o] }
                } else {
                    y.update(from: x, count: outputSize)
                }
            } else if let bias {
                y.update(from: bias, count: outputSize)
            } else {
                y.update(repeating: 0, count: outputSize)
            }
        }
        if rows == 1 {
            sgemv(
                transposed: false, m: outputSize, n: inputSize, a: weight, lda: inputSize, x: input, beta: 1, y: output)
        } else {
            sgemm(
                false, true, m: rows, n: outputSize, k: inputSize, a: input, lda: inputSize, b: weight, ldb: inputSize,
                beta: 1, c: output, ldc: outputSize)
        }
    }

    /// Adds `input · W + bias` to `output`, with the weight given transposed, `[in, out]` (see ``InferenceWeights``).
    static func forwardTransposed(
        output: FloatPointer, input: UnsafePointer<Float>, transposedWeight: UnsafePointer<Float>,
        bias: UnsafePointer<Float>?, rows: Int, inputSize: Int, outputSize: Int, accumulate: Bool
    ) {
        for r in 0..<rows {
            let y = output + r * outputSize
            if let bias {
                if accumulate {
                    for o in 0..<outputSize { y[o] += bias[o] }
                } else {
                    y.update(from: bias, count: outputSize)
                }
            } else if !accumulate {
                y.update(repeating: 0, count: outputSize)
            }
        }
        if rows == 1 {
            sgemv(
                transposed: true, m: inputSize, n: outputSize, a: transposedWeight, lda: outputSize, x: input, beta: 1,
                y: output)
        } else {
            sgemm(
                false, false, m: rows, n: outputSize, k: inputSize, a: input, lda: inputSize, b: transposedWeight,
                ldb: outputSize, beta: 1, c: output, ldc: outputSize)
        }
    }

    /// Adds the weight and bias gradients, and writes (or adds, if `accumulateInput`) the input gradient.
    static func backward(
        inputGradient dx: FloatPointer?, weightGradient dw: FloatPointer, biasGradient db: FloatPointer?,
        outputGradient dy: UnsafePointer<Float>, input: UnsafePointer<Float>, weight: UnsafePointer<Float>,
        rows: Int, inputSize: Int, outputSize: Int, accumulateInput: Bool = false
    ) {
        if let dx {
            sgemm(
                false, false, m: rows, n: inputSize, k: outputSize, a: dy, lda: outputSize, b: weight, ldb: inputSize,
                beta: accumulateInput ? 1 : 0, c: dx, ldc: inputSize)
        }
        sgemm(
            true, false, m: outputSize, n: inputSize, k: rows, a: dy, lda: outputSize, b: input, ldb: inputSize,
            beta: 1, c: dw, ldc: inputSize)
        if let db {
            for r in 0..<rows { VectorMath.add(db, dy + r * outputSize, outputSize) }
        }
    }

    /// The same product as ``forward(output:input:weight:bias:rows:inputSize:outputSize:accumulate:)`` by plain loops:
    /// the reference the BLAS path is tested against.
    static func forwardNaive(
        output: FloatPointer, input: UnsafePointer<Float>, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
        rows: Int, inputSize: Int, outputSize: Int
    ) {
        for r in 0..<rows {
            for o in 0..<outputSize {
                var s = Double(bias?[o] ?? 0)
                for i in 0..<inputSize { s += Double(input[r * inputSize + i]) * Double(weight[o * inputSize + i]) }
                output[r * outputSize + o] = Float(s)
            }
        }
    }
}
