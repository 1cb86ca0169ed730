/// Conversions between Float32 and the two 16-bit float formats of model files: IEEE half precision (F16) and
/// bfloat16 (BF16, the top half of a Float32).
public enum HalfPrecision {
    /// The IEEE half with bits `bits`, as Float32 (exactly: every half is a float).
    @inline(__always)
    public static func float(half bits: UInt16) -> Float {
        #if !(os(macOS) && arch(x86_64))
            return Float(Float16(bitPattern: bits))
        #else
            // Intel Macs have no Float16 in Swift: rebuild the float from the fields.
            let sign: UInt32 = UInt32(bits & 0x8000) << 16
            let exponent = UInt32(bits >> 10) & 0x1F
            let mantissa = UInt32(bits & 0x3FF)
            if exponent == 0 {
                let magnitude = Float(mantissa) * 0x1p-24
                return sign != 0 ? -magnitude : magnitude
            }
            if exponent == 31 { return Float(bitPattern: sign | 0x7F80_0000 | mantissa << 13) }
            return Float(bitPattern: sign | (exponent + 112) << 23 | mantissa << 13)
        #endif
    }

    /// `value` rounded to the nearest IEEE half (ties to even; overflow to infinity), as its bits.
    public static func half(_ value: Float) -> UInt16 {
        #if !(os(macOS) && arch(x86_64))
            return Float16(value).bitPattern
        #else
            let bits = value.bitPattern
            let sign = UInt16((bits >> 16) & 0x8000)
            if value.isNaN { return sign | 0x7E00 }
            let magnitude = abs(value)
            if magnitude >= 65520 { return sign | 0x7C00 }
            if magnitude < 0x1p-14 {
                // Subnormal or zero: a multiple of 2^-24, rounded to nearest even by Float's own rounding.
                return sign | UInt16((magnitude * 0x1p24).rounded(.toNearestOrEven))
            }
            let exponent = Int((bits >> 23) & 0xFF) - 127 + 15
            var mantissa = bits & 0x7F_FFFF
            var result = UInt32(exponent) << 10 | mantissa >> 13
            mantissa &= 0x1FFF
            if mantissa > 0x1000 || (mantissa == 0x1000 && result & 1 == 1) { result += 1 }
            return sign | UInt16(result)
        #endif
    }

    /// The bfloat16 with bits `bits`, as Float32.
    @inline(__always)
    public static func float(bfloat16 bits: UInt16) -> Float { Float(bitPattern: UInt32(bits) << 16) }
}
