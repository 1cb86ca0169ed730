import Foundation
import FulmenModel

/// The SwiGLU gate of the feed-forward layer: `hidden = silu(gate) · up`, silu(x) = x·σ(x).
///
/// Shapes: `gateUp` (R, 2F), gate in columns 0 ..< F and up in F ..< 2F of each row (one product makes both);
/// `hidden` (R, F). https://arxiv.org/abs/2002.05202
enum SwiGLU {
    static func forward(hidden: FloatPointer, gateUp: UnsafePointer<Float>, rows: Int, width f: Int) {
        for r in 0..<rows {
            let gate = gateUp + r * 2 * f
            let up = gate + f
            let h = hidden + r * f
            var i = 0
            while i + 8 <= f {
                let g = Lanes.load(gate + i)
                let sigmoid = 1 / (1 + VectorMath.exp(-g))
                Lanes.store(g * sigmoid * Lanes.load(up + i), h + i)
                i += 8
            }
            while i < f {
                let g = gate[i]
                h[i] = g / (1 + Foundation.exp(-g)) * up[i]
                i += 1
            }
        }
    }

    /// Writes the gradient of `gateUp` given the gradient of `hidden`:
    /// `dgate = dh · up · σ(g)·(1 + g·(1 − σ(g)))`, `dup = dh · silu(g)`.
    static func backward(
        gateUpGradient: FloatPointer, hiddenGradient: UnsafePointer<Float>, gateUp: UnsafePointer<Float>, rows: Int,
        width f: Int
    ) {
        for r in 0..<rows {
            let gate = gateUp + r * 2 * f
            let up = gate + f
            let dh = hiddenGradient + r * f
            let dgate = gateUpGradient + r * 2 * f
            let dup = dgate + f
            for i in 0..<f {
                let g = gate[i]
                let sigmoid = 1 / (1 + Foundation.exp(-g))
                dgate[i] = dh[i] * up[i] * sigmoid * (1 + g * (1 - sigmoid))
                dup[i] = dh[i] * g * sigmoid
            }
        }
    }
}
