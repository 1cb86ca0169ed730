/// LayerNorm over the last dimension (eps 1e-5), with learned weight and bias.
///
/// Shapes: `input`, `output` (R, C) for R rows; `mean`, `rstd` (R); `weight`, `bias` (C).
/// https://pytorch.org/docs/stable/generated/torch.nn.LayerNorm.html
enum LayerNorm {
    static let epsilon: Float = 1e-5

    /// Normalises each row and stores its mean and reciprocal standard deviation for the backward pass.
    static func forward(
        output: FloatPointer, mean: FloatPointer?, rstd: FloatPointer?,
        input: UnsafePointer<Float>, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>, rows: Int, channels c: Int
    ) {
        let inverseC = 1 / Float(c)
        for r in 0..<rows {
            let x = input + r * c
            let y = output + r * c
            let m = VectorMath.sum(x, c) * inverseC
            var squares = VectorMath.Vector()
            var i = 0
            while i + 8 <= c {
                let d = VectorMath.load(x + i) - m
                squares += d * d
                i += 8
            }
            var variance = squares.sum()
            while i < c {
                variance += (x[i] - m) * (x[i] - m)
                i += 1
            }
            let s = 1 / (variance * inverseC + epsilon).squareRoot()
            for i in 0..<c { y[i] = (x[i] - m) * s * weight[i] + bias[i] }
            mean?[r] = m
            rstd?[r] = s
        }
    }

    /// Adds the gradients of the input, weight and bias, given the gradient of the output.
    static func backward(
        inputGradient dx: FloatPointer, weightGradient dw: FloatPointer, biasGradient db: FloatPointer,
        outputGradient dy: UnsafePointer<Float>, input: UnsafePointer<Float>, weight: UnsafePointer<Float>,
        mean: UnsafePointer<Float>, rstd: UnsafePointer<Float>, rows: Int, channels c: Int
    ) {
        let inverseC = 1 / Float(c)
        for r in 0..<rows {
            let x = input + r * c
            let g = dy + r * c
            let d = dx + r * c
            let m = mean[r]
            let s = rstd[r]
            var sumNorm = VectorMath.Vector()
            var sumNormX = VectorMath.Vector()
            var i = 0
            while i + 8 <= c {
                let xhat = (VectorMath.load(x + i) - m) * s
                let gi = VectorMath.load(g + i)
                let dnorm = gi * VectorMath.load(weight + i)
                sumNorm += dnorm
                sumNormX += dnorm * xhat
                VectorMath.store(VectorMath.load(dw + i) + gi * xhat, dw + i)
                VectorMath.store(VectorMath.load(db + i) + gi, db + i)
                i += 8
            }
            var meanNorm = sumNorm.sum()
            var meanNormX = sumNormX.sum()
            while i < c {
                let xhat = (x[i] - m) * s
                let dnorm = g[i] * weight[i]
                meanNorm += dnorm
                meanNormX += dnorm * xhat
                dw[i] += g[i] * xhat
                db[i] += g[i]
                i += 1
            }
            meanNorm *= inverseC
            meanNormX *= inverseC
            for i in 0..<c {
                let xhat = (x[i] - m) * s
                d[i] += s * (g[i] * weight[i] - meanNorm - xhat * meanNormX)
            }
        }
    }
}
