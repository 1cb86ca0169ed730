/// Vectorised elementwise math for the kernels: exp, tanh, and row reductions.
///
/// The standard library calls libm one value at a time; these work on `SIMD8<Float>` (two SSE registers on the
/// baseline x86-64 target), with a polynomial exp accurate to about 1 ulp over the float range.
package enum VectorMath {
    package typealias Vector = SIMD8<Float>

    /// e^x for each lane (Cephes-style: x = n·ln2 + r, |r| ≤ ln2/2, e^r by a degree-7 polynomial, 2^n by bits).
    @inline(__always)
    package static func exp(_ x: Vector) -> Vector {
        let clamped = minimum(maximum(x, Vector(repeating: -87.3)), Vector(repeating: 88.3))
        let magic = Vector(repeating: 12_582_912.0)  // 1.5 · 2^23: adding it rounds to an integer
        let shifted = clamped * 1.442_695_04 + magic
        let n = shifted - magic
        var r = clamped - n * 0.693_359_375
        r = r + n * 2.121_944_4e-4
        var p = Vector(repeating: 1.987_569_15e-4)
        p = p * r + 1.398_199_950_7e-3
        p = p * r + 8.333_451_907_3e-3
        p = p * r + 4.166_579_589_4e-2
        p = p * r + 1.666_666_545_9e-1
        p = p * r + 5.000_000_120_1e-1
        p = p * (r * r) + r + 1
        let integer = unsafeBitCast(shifted, to: SIMD8<Int32>.self) &- 0x4B40_0000
        let scale = unsafeBitCast((integer &+ 127) &<< 23, to: Vector.self)
        return p * scale
    }

    /// The larger of each pair of lanes.
    @inline(__always)
    package static func maximum(_ a: Vector, _ b: Vector) -> Vector { a.replacing(with: b, where: a .< b) }

    /// The smaller of each pair of lanes.
    @inline(__always)
    package static func minimum(_ a: Vector, _ b: Vector) -> Vector { a.replacing(with: b, where: b .< a) }

    /// tanh(x) for each lane, by a 13/6 rational minimax approximation on [−7.9, 7.9] (beyond which tanh is ±1 in
    /// Float32), as Eigen computes it: a few ulp, and cheaper than going through exp.
    @inline(__always)
    package static func tanh(_ x: Vector) -> Vector {
        let clamped = minimum(
            maximum(x, Vector(repeating: -7.905_311_107_635_498)), Vector(repeating: 7.905_311_107_635_498))
        let x2 = clamped * clamped
        var p = Vector(repeating: -2.760_768_477_423_55e-16)
        p = p * x2 + 2.000_187_904_824_77e-13
        p = p * x2 - 8.604_671_522_137_35e-11
        p = p * x2 + 5.122_297_090_371_14e-08
        p = p * x2 + 1.485_722_357_179_79e-05
        p = p * x2 + 6.372_619_288_754_36e-04
        p = p * x2 + 4.893_524_558_917_86e-03
        p = p * clamped
        var q = Vector(repeating: 1.198_258_394_667_02e-06)
        q = q * x2 + 1.185_347_056_866_54e-04
        q = q * x2 + 2.268_434_632_439_00e-03
        q = q * x2 + 4.893_525_185_543_85e-03
        return p / q
    }

    /// Loads `count` (< 8) values into a vector, filling the rest with `fill`.
    @inline(__always)
    package static func loadPartial(_ p: UnsafePointer<Float>, _ count: Int, fill: Float) -> Vector {
        var v = Vector(repeating: fill)
        for i in 0..<count { v[i] = p[i] }
        return v
    }

    /// Stores the first `count` (< 8) lanes of `v`.
    @inline(__always)
    package static func storePartial(_ v: Vector, _ p: FloatPointer, _ count: Int) {
        for i in 0..<count { p[i] = v[i] }
    }

    @inline(__always)
    package static func load(_ p: UnsafePointer<Float>) -> Vector {
        UnsafeRawPointer(p).loadUnaligned(as: Vector.self)
    }

    @inline(__always)
    package static func store(_ v: Vector, _ p: FloatPointer) {
        UnsafeMutableRawPointer(p).storeBytes(of: v, as: Vector.self)
    }

    /// The largest of `n` values.
    @inline(__always)
    package static func max(_ p: UnsafePointer<Float>, _ n: Int) -> Float {
        var m = Vector(repeating: -.infinity)
        var i = 0
        while i + 8 <= n {
            m = maximum(m, load(p + i))
            i += 8
        }
        var result = m.max()
        while i < n {
            result = Swift.max(result, p[i])
            i += 1
        }
        return result
    }

    /// Σ p[i] over `n` values.
    @inline(__always)
    package static func sum(_ p: UnsafePointer<Float>, _ n: Int) -> Float {
        var s = Vector()
        var i = 0
        while i + 8 <= n {
            s += load(p + i)
            i += 8
        }
        var result = s.sum()
        while i < n {
            result += p[i]
            i += 1
        }
        return result
    }

    /// Σ a[i]·b[i] over `n` values.
    @inline(__always)
    package static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) -> Float {
        var s = Vector()
        var i = 0
        while i + 8 <= n {
            s += load(a + i) * load(b + i)
            i += 8
        }
        var result = s.sum()
        while i < n {
            result += a[i] * b[i]
            i += 1
        }
        return result
    }

    /// Replaces each of `n` values x with e^(x − shift) and returns their sum.
    @inline(__always)
    package static func expShiftedSum(_ p: FloatPointer, _ n: Int, shift: Float) -> Float {
        var s = Vector()
        var i = 0
        while i + 8 <= n {
            let e = exp(load(p + i) - shift)
            store(e, p + i)
            s += e
            i += 8
        }
        if i < n {
            let e = exp(loadPartial(p + i, n - i, fill: -.infinity) - shift)
            storePartial(e, p + i, n - i)
            for j in 0..<(n - i) { s[j] += e[j] }
        }
        return s.sum()
    }

    /// y[i] += alpha · x[i] over `n` values.
    @inline(__always)
    package static func addScaled(_ y: FloatPointer, _ x: UnsafePointer<Float>, _ alpha: Float, _ n: Int) {
        for i in 0..<n { y[i] += alpha * x[i] }
    }

    /// y[i] += x[i] over `n` values.
    @inline(__always)
    package static func add(_ y: FloatPointer, _ x: UnsafePointer<Float>, _ n: Int) {
        for i in 0..<n { y[i] += x[i] }
    }
}
