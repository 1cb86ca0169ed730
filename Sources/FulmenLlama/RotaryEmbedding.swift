import Foundation
import FulmenModel

/// Rotary position embeddings in llama.cpp's "normal" mode, which GGUF's llama tensors are laid out for: within
/// each head, the adjacent pair (x[2i], x[2i+1]) turns by the angle `position · base^(-2i/D)`.
///
/// (llama.cpp's converter permutes the rows of `attn_q` and `attn_k` so that this pairing equals Hugging Face's
/// rotate-half pairing (x[i], x[i + D/2]) on the unpermuted weights.) The cosines and sines are tabulated once for
/// every position of the context, in double precision, as (positions, D/2).
/// https://arxiv.org/abs/2104.09864
final class RotaryEmbedding {
    let headSize: Int
    let positions: Int
    private let cosines: FloatBuffer
    private let sines: FloatBuffer

    init(headSize d: Int, positions: Int, base: Float) {
        headSize = d
        self.positions = positions
        let half = d / 2
        cosines = FloatBuffer(count: positions * half)
        sines = FloatBuffer(count: positions * half)
        for i in 0..<half {
            let theta = pow(Double(base), -2 * Double(i) / Double(d))
            for p in 0..<positions {
                let angle = Double(p) * theta
                cosines.base[p * half + i] = Float(cos(angle))
                sines.base[p * half + i] = Float(sin(angle))
            }
        }
    }

    /// Turns `heads` consecutive heads of one row (at `position`) in place.
    @inline(__always)
    func rotate(_ x: FloatPointer, heads: Int, position: Int) {
        let half = headSize / 2
        let c = cosines.base + position * half
        let s = sines.base + position * half
        for h in 0..<heads {
            let v = x + h * headSize
            for i in 0..<half {
                let x0 = v[2 * i]
                let x1 = v[2 * i + 1]
                v[2 * i] = x0 * c[i] - x1 * s[i]
                v[2 * i + 1] = x0 * s[i] + x1 * c[i]
            }
        }
    }

    /// The backward pass of ``rotate(_:heads:position:)``: turns a gradient back by the same angle (the
    /// transpose of a rotation is its inverse), in place.
    @inline(__always)
    func rotateBack(_ g: FloatPointer, heads: Int, position: Int) {
        let half = headSize / 2
        let c = cosines.base + position * half
        let s = sines.base + position * half
        for h in 0..<heads {
            let v = g + h * headSize
            for i in 0..<half {
                let g0 = v[2 * i]
                let g1 = v[2 * i + 1]
                v[2 * i] = g0 * c[i] + g1 * s[i]
                v[2 * i + 1] = -g0 * s[i] + g1 * c[i]
            }
        }
    }
}
