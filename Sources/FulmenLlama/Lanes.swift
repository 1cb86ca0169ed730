/// Eight-float vector loads and stores for this module's innermost loops.
///
/// FulmenModel's `VectorMath.load` and `store` are not inlined across the module boundary (each becomes a call that
/// returns the vector in two SSE registers, measured 10× slower in the batched-decoding product), so the kernels
/// here load through the standard library, which specialises and inlines.
enum Lanes {
    typealias Vector = SIMD8<Float>

    @inline(__always)
    static func load(_ p: UnsafePointer<Float>) -> Vector {
        UnsafeRawPointer(p).loadUnaligned(as: Vector.self)
    }

    @inline(__always)
    static func store(_ v: Vector, _ p: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(p).storeBytes(of: v, as: Vector.self)
    }
}
