import FulmenModel

/// RMSNorm over the last dimension: `y = x / √(mean(x²) + eps) · weight` (no mean subtraction, no bias).
///
/// Shapes: `input`, `output` (R, C) for R rows; `rstd` (R), the reciprocal root mean square the backward pass
/// reuses; `weight` (C). https://arxiv.org/abs/1910.07467
enum RMSNorm {
    /// Normalises each row; stores each row's reciprocal root mean square when `rstd` is given.
    static func forward(
        output: FloatPointer, rstd: FloatPointer?, input: UnsafePointer<Float>, weight: UnsafePointer<Float>,
        rows: Int, channels c: Int, epsilon: Float
    ) {
        for r in 0..<rows {
            let x = input + r * c
            let y = output + r * c
            let s = 1 / (VectorMath.dot(x, x, c) / Float(c) + epsilon).squareRoot()
            for i in 0..<c { y[i] = x[i] * s * weight[i] }
            rstd?[r] = s
        }
    }

    /// Adds the gradients of the input and the weight (unless `weightGradient` is nil: a frozen norm), given the
    /// output's gradient.
    ///
    /// With x̂ = x·s and g the output gradient: `dweight += g·x̂`, `dx += s·(g·w − x̂·mean(g·w·x̂))`.
    static func backward(
        inputGradient dx: FloatPointer, weightGradient dw: FloatPointer?, outputGradient dy: UnsafePointer<Float>,
        input: UnsafePointer<Float>, weight: UnsafePointer<Float>, rstd: UnsafePointer<Float>, rows: Int,
        channels c: Int
    ) {
        for r in 0..<rows {
            let x = input + r * c
            let g = dy + r * c
            let d = dx + r * c
            let s = rstd[r]
            var projection: Float = 0
            for i in 0..<c {
                let xhat = x[i] * s
                projection += g[i] * weight[i] * xhat
                dw?[i] += g[i] * xhat
            }
            projection /= Float(c)
            for i in 0..<c { d[i] += s * (g[i] * weight[i] - x[i] * s * projection) }
        }
    }
}
