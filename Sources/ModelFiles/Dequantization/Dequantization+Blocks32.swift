/// The 32-value block types. Each block starts with a half-precision scale `d` (and, in the `_1` types, a
/// half-precision minimum `m`); its 32 quants follow. A 4-bit block packs value `j` in the low nibble of byte `j`
/// and value `j + 16` in its high nibble; a 5-bit block adds a `uint32` of fifth bits, bit `j` for value `j`.
/// Values are `d * (q - offset)` (Q4_0: offset 8, Q5_0: 16), `d * q + m` (Q4_1, Q5_1) or `q * d` (Q8_0, signed q).
extension Dequantization {
    /// Q8_0: `d`, then 32 signed bytes. 34 bytes.
    static func dequantizeQ8_0(_ input: UnsafeRawPointer, _ output: UnsafeMutablePointer<Float>, blocks: Int) {
        for block in 0..<blocks {
            let base = input + block * 34
            let out = output + block * 32
            let d = half(base, 0)
            for j in 0..<32 { out[j] = Float(Int8(bitPattern: byte(base, 2 + j))) * d }
        }
    }

    /// Q4_0: `d`, then 16 bytes of 4-bit quants. 18 bytes.
    static func dequantizeQ4_0(_ input: UnsafeRawPointer, _ output: UnsafeMutablePointer<Float>, blocks: Int) {
        for block in 0..<blocks {
            let base = input + block * 18
            let out = output + block * 32
            let d = half(base, 0)
            for j in 0..<16 {
                let packed = byte(base, 2 + j)
                out[j] = d * Float(Int(packed & 0x0F) - 8)
                out[j + 16] = d * Float(Int(packed >> 4) - 8)
            }
        }
    }

    /// Q4_1: `d`, `m`, then 16 bytes of 4-bit quants. 20 bytes.
    static func dequantizeQ4_1(_ input: UnsafeRawPointer, _ output: UnsafeMutablePointer<Float>, blocks: Int) {
        for block in 0..<blocks {
            let base = input + block * 20
            let out = output + block * 32
            let d = half(base, 0)
            let m = half(base, 2)
            for j in 0..<16 {
                let packed = byte(base, 4 + j)
                out[j] = d * Float(packed & 0x0F) + m
                out[j + 16] = d * Float(packed >> 4) + m
            }
        }
    }

    /// Q5_0: `d`, 4 bytes of fifth bits, 16 bytes of low nibbles. 22 bytes.
    static func dequantizeQ5_0(_ input: UnsafeRawPointer, _ output: UnsafeMutablePointer<Float>, blocks: Int) {
        for block in 0..<blocks {
            let base = input + block * 22
            let out = output + block * 32
            let d = half(base, 0)
            let high = UInt32(littleEndian: base.loadUnaligned(fromByteOffset: 2, as: UInt32.self))
            for j in 0..<16 {
                let packed = byte(base, 6 + j)
                let low = Int(packed & 0x0F) | Int((high >> UInt32(j)) & 1) << 4
                let upper = Int(packed >> 4) | Int((high >> UInt32(j + 16)) & 1) << 4
                out[j] = d * Float(low - 16)
                out[j + 16] = d * Float(upper - 16)
            }
        }
    }

    /// Q5_1: `d`, `m`, 4 bytes of fifth bits, 16 bytes of low nibbles. 24 bytes.
    static func dequantizeQ5_1(_ input: UnsafeRawPointer, _ output: UnsafeMutablePointer<Float>, blocks: Int) {
        for block in 0..<blocks {
            let base = input + block * 24
            let out = output + block * 32
            let d = half(base, 0)
            let m = half(base, 2)
            let high = UInt32(littleEndian: base.loadUnaligned(fromByteOffset: 4, as: UInt32.self))
            for j in 0..<16 {
                let packed = byte(base, 8 + j)
                let low = UInt32(packed & 0x0F) | ((high >> UInt32(j)) & 1) << 4
                let upper = UInt32(packed >> 4) | ((high >> UInt32(j + 16)) & 1) << 4
                out[j] = d * Float(low) + m
                out[j + 16] = d * Float(upper) + m
            }
        }
    }
}
