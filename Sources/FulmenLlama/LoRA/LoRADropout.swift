import FulmenModel

/// Dropout on an adapter's input, by a counter-based hash: whether element i of a pass's input is kept depends only
/// on (pass seed, site, i), so the backward pass regenerates the mask instead of storing one per adapter and layer.
struct LoRADropout {
    /// The probability of dropping an element, in [0, 1).
    let probability: Float

    /// `output = input ⊙ mask / (1 − p)` over `count` values, with the mask of `seed`.
    func apply(output: FloatPointer, input: UnsafePointer<Float>, count: Int, seed: UInt64) {
        let keep = 1 - probability
        let factor = 1 / keep
        for i in 0..<count {
            output[i] = Self.unit(seed: seed, index: i) < keep ? input[i] * factor : 0
        }
    }

    /// The seed of one adapter's mask in the pass seeded `pass`.
    static func siteSeed(pass: UInt64, site: Int) -> UInt64 {
        var random = SeededRandom(seed: pass ^ (UInt64(site) &* 0xD1B5_4A32_D192_ED03))
        return random.next()
    }

    /// A uniform value in [0, 1) for element `index` (SplitMix64's finaliser on seed + index).
    @inline(__always)
    private static func unit(seed: UInt64, index: Int) -> Float {
        var z = seed &+ UInt64(index) &* 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        return Float(z >> 40) * (1.0 / 16_777_216.0)
    }
}
