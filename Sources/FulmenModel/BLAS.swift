import CBLAS

/// The OpenBLAS library every matrix product of the engine goes through.
///
/// The engine parallelises over sequences itself (``GPT/threadCount``) and calls OpenBLAS from each worker thread,
/// so it keeps OpenBLAS single-threaded; ``threadCount`` is exposed for programs that call BLAS-heavy code of
/// their own, and for benchmarks that measure `cblas_sgemm` at a given thread count.
public enum BLAS {
    /// How many threads OpenBLAS itself uses for one call (`openblas_set_num_threads`).
    public static var threadCount: Int {
        get { Int(openblas_get_num_threads()) }
        set { openblas_set_num_threads(Int32(max(1, newValue))) }
    }

    /// The CPU kernel family OpenBLAS chose for this machine, e.g. `Zen` or `Haswell`.
    public static var coreName: String { String(cString: openblas_get_corename()) }

    /// Times `cblas_sgemm` on row-major `C(m×n) = A(m×k) · B(n×k)ᵀ`, the shape of a linear layer's forward pass.
    ///
    /// Runs the product until at least `minimumSeconds` have passed, after one warm-up call.
    /// - Returns: Achieved GFLOP/s (`2·m·n·k` per call).
    public static func measureLinearProduct(m: Int, n: Int, k: Int, minimumSeconds: Double = 0.05) -> Double {
        let a = FloatBuffer(count: m * k)
        let b = FloatBuffer(count: n * k)
        let c = FloatBuffer(count: m * n)
        var random = SeededRandom(seed: 7)
        for i in 0..<a.count { a.base[i] = random.nextUnitFloat() - 0.5 }
        for i in 0..<b.count { b.base[i] = random.nextUnitFloat() - 0.5 }
        let run = {
            sgemm(false, true, m: m, n: n, k: k, a: a.base, lda: k, b: b.base, ldb: k, beta: 0, c: c.base, ldc: n)
        }
        run()
        let clock = ContinuousClock()
        var calls = 0
        let start = clock.now
        var elapsed = 0.0
        repeat {
            run()
            calls += 1
            let d = clock.now - start
            elapsed = Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
        } while elapsed < minimumSeconds
        return 2.0 * Double(m) * Double(n) * Double(k) * Double(calls) / elapsed / 1e9
    }
}

/// Row-major `C(m×n) = alpha · op(A) · op(B) + beta · C`, where `op` transposes when asked.
@inline(__always)
package func sgemm(
    _ transposeA: Bool, _ transposeB: Bool, m: Int, n: Int, k: Int, alpha: Float = 1,
    a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int, beta: Float, c: FloatPointer, ldc: Int
) {
    cblas_sgemm(
        CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
        Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
}

/// Row-major `y = alpha · op(A) · x + beta · y` for A (m×n): `op(A)` is A (y has m values) or, when `transposed`,
/// Aᵀ (y has n values).
@inline(__always)
package func sgemv(
    transposed: Bool, m: Int, n: Int, alpha: Float = 1, a: UnsafePointer<Float>, lda: Int, x: UnsafePointer<Float>,
    beta: Float, y: FloatPointer
) {
    cblas_sgemv(
        CblasRowMajor, transposed ? CblasTrans : CblasNoTrans, Int32(m), Int32(n), alpha, a, Int32(lda), x, 1, beta, y,
        1)
}
