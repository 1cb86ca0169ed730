/// The K-quants: super-blocks of 256 values in sub-blocks with their own quantised scales.
///
/// Q4_K and Q5_K have eight sub-blocks of 32 values with 6-bit scales and minimums, packed in 12 bytes, and
/// half-precision `d` and `dmin`: a value is `(d * scale) * q - (dmin * min)`. Q6_K has sixteen sub-blocks of 16
/// with signed 8-bit scales and one half-precision `d`: a value is `(d * scale) * (q - 32)`.
extension Dequantization {
    /// The scale and minimum of sub-block `j` (0..<8) from the 12 packed bytes at `scales`: bytes 0-3 hold the
    /// low six bits of scales 0-3, bytes 4-7 those of minimums 0-3, and the two top bits of each of those bytes
    /// plus bytes 8-11 (a nibble each) make scales and minimums 4-7.
    @inline(__always)
    static func scaleAndMin(_ scales: UnsafeRawPointer, _ j: Int) -> (scale: Float, min: Float) {
        if j < 4 {
            return (Float(byte(scales, j) & 63), Float(byte(scales, j + 4) & 63))
        }
        let scale = (byte(scales, j + 4) & 0x0F) | (byte(scales, j - 4) >> 6) << 4
        let min = (byte(scales, j + 4) >> 4) | (byte(scales, j) >> 6) << 4
        return (Float(scale), Float(min))
    }

    /// Q4_K: `d`, `dmin`, 12 bytes of scales, 128 bytes of quants. 144 bytes. Each 32 bytes of quants hold two
    /// sub-blocks: the low nibbles the first, the high nibbles the second.
    static func dequantizeQ4_K(_ input: UnsafeRawPointer, _ output: UnsafeMutablePointer<Float>, blocks: Int) {
        for block in 0..<blocks {
            let base = input + block * 144
            let out = output + block * 256
            let d = half(base, 0)
            let dmin = half(base, 2)
            let scales = base + 4
            let quants = base + 16
            for chunk in 0..<4 {
                let (scaleLow, minLow) = scaleAndMin(scales, 2 * chunk)
                let (scaleHigh, minHigh) = scaleAndMin(scales, 2 * chunk + 1)
                let d1 = d * scaleLow
                let m1 = dmin * minLow
                let d2 = d * scaleHigh
                let m2 = dmin * minHigh
                let target = out + chunk * 64
                for l in 0..<32 {
                    let packed = byte(quants, chunk * 32 + l)
                    target[l] = d1 * Float(packed & 0x0F) - m1
                    target[l + 32] = d2 * Float(packed >> 4) - m2
                }
            }
        }
    }

    /// Q5_K: `d`, `dmin`, 12 bytes of scales, 32 bytes of fifth bits, 128 bytes of low nibbles. 176 bytes. The
    /// nibbles are laid out as in Q4_K; value `l` of sub-block `i` takes its fifth bit from bit `i` of byte `l`.
    static func dequantizeQ5_K(_ input: UnsafeRawPointer, _ output: UnsafeMutablePointer<Float>, blocks: Int) {
        for block in 0..<blocks {
            let base = input + block * 176
            let out = output + block * 256
            let d = half(base, 0)
            let dmin = half(base, 2)
            let scales = base + 4
            let highBits = base + 16
            let quants = base + 48
            for chunk in 0..<4 {
                let (scaleLow, minLow) = scaleAndMin(scales, 2 * chunk)
                let (scaleHigh, minHigh) = scaleAndMin(scales, 2 * chunk + 1)
                let d1 = d * scaleLow
                let m1 = dmin * minLow
                let d2 = d * scaleHigh
                let m2 = dmin * minHigh
                let target = out + chunk * 64
                for l in 0..<32 {
                    let packed = byte(quants, chunk * 32 + l)
                    let high = byte(highBits, l)
                    let low = (packed & 0x0F) | ((high >> UInt8(2 * chunk)) & 1) << 4
                    let upper = (packed >> 4) | ((high >> UInt8(2 * chunk + 1)) & 1) << 4
                    target[l] = d1 * Float(low) - m1
                    target[l + 32] = d2 * Float(upper) - m2
                }
            }
        }
    }

    /// Q6_K: 128 bytes of low nibbles, 64 bytes of two-bit highs, 16 signed scales, `d`. 210 bytes. Each half of
    /// 128 values uses 64 low-nibble bytes and 32 high bytes: value `l + 32k` (k in 0..<4) takes the low or high
    /// nibble of low byte `l + 32 (k % 2)` and bits `2k, 2k+1` of high byte `l`.
    static func dequantizeQ6_K(_ input: UnsafeRawPointer, _ output: UnsafeMutablePointer<Float>, blocks: Int) {
        for block in 0..<blocks {
            let base = input + block * 210
            let out = output + block * 256
            let d = half(base, 208)
            for halfIndex in 0..<2 {
                let lows = base + halfIndex * 64
                let highs = base + 128 + halfIndex * 32
                let target = out + halfIndex * 128
                for group in 0..<2 {
                    // Values l + 32k of this half use scale 8 * half + 2k + l / 16.
                    let scale = 192 + halfIndex * 8 + group
                    let s0 = d * Float(Int8(bitPattern: byte(base, scale)))
                    let s1 = d * Float(Int8(bitPattern: byte(base, scale + 2)))
                    let s2 = d * Float(Int8(bitPattern: byte(base, scale + 4)))
                    let s3 = d * Float(Int8(bitPattern: byte(base, scale + 6)))
                    for l in (group * 16)..<(group * 16 + 16) {
                        let high = byte(highs, l)
                        let q0 = Int((byte(lows, l) & 0x0F) | (high & 3) << 4) - 32
                        let q1 = Int((byte(lows, l + 32) & 0x0F) | ((high >> 2) & 3) << 4) - 32
                        let q2 = Int((byte(lows, l) >> 4) | ((high >> 4) & 3) << 4) - 32
                        let q3 = Int((byte(lows, l + 32) >> 4) | ((high >> 6) & 3) << 4) - 32
                        target[l] = s0 * Float(q0)
                        target[l + 32] = s1 * Float(q1)
                        target[l + 64] = s2 * Float(q2)
                        target[l + 96] = s3 * Float(q3)
                    }
                }
            }
        }
    }
}
