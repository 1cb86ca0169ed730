@testable import FulmenModel

/// Finite-difference checking of hand-written backward passes.
///
/// The objective is `Σ output · projection` for a fixed random projection, evaluated in double precision from the
/// layer's Float32 outputs; central differences with step `epsilon` are compared with the analytic gradient.
enum GradientCheck {
    /// Random values in [-scale, scale).
    static func random(_ count: Int, seed: UInt64, scale: Float = 1) -> [Float] {
        var random = SeededRandom(seed: seed)
        return (0..<count).map { _ in (random.nextUnitFloat() * 2 - 1) * scale }
    }

    static func objective(_ output: [Float], _ projection: [Float]) -> Double {
        zip(output, projection).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
    }

    /// The largest violation of `|numeric − analytic| ≤ atol + rtol·max(|numeric|, |analytic|)` over `indices`,
    /// as a multiple of the allowance (≤ 1 passes).
    static func worstRatio(
        input: [Float], analytic: [Float], indices: [Int], epsilon: Float = 1e-2, absoluteTolerance: Double = 1e-3,
        relativeTolerance: Double = 1e-2, evaluate: ([Float]) -> Double
    ) -> Double {
        var worst = 0.0
        for i in indices {
            var plus = input
            plus[i] += epsilon
            var minus = input
            minus[i] -= epsilon
            let numeric = (evaluate(plus) - evaluate(minus)) / Double(2 * epsilon)
            let exact = Double(analytic[i])
            let allowance = absoluteTolerance + relativeTolerance * max(abs(numeric), abs(exact))
            worst = max(worst, abs(numeric - exact) / allowance)
        }
        return worst
    }

    /// Up to `count` indices spread over `0 ..< size`.
    static func sample(_ size: Int, count: Int = 40) -> [Int] {
        size <= count ? Array(0..<size) : (0..<count).map { $0 * size / count + ($0 * 7) % max(1, size / count) }
    }
}
