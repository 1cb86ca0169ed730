import CBLAS
import FulmenLlama
import FulmenModel
import ModelFiles

/// `cblas_sgemm` GFLOP/s on the base-weight products of one LoRA training step (``LoRAWorkload/products``) with
/// OpenBLAS at the benchmark's thread count: each product's rate is the best of three timings (a shared machine
/// only ever slows a measurement down), and the figure is their FLOP-weighted harmonic mean, the rate the step's
/// products would run at if each ran as fast as sgemm alone runs it.
struct SGEMMMeasurement {
    let options: Options

    init(_ options: Options) {
        self.options = options
    }

    func run() throws {
        let config = try LlamaConfig(gguf: try GGUFFile(path: options.model))
        let workload = LoRAWorkload(
            config: config, batch: options.trainBatch, length: options.trainLength, rank: options.rank)
        BLAS.threadCount = options.threads
        var flops = 0.0
        var seconds = 0.0
        for product in workload.products {
            let rate = (0..<3).map { _ in
                Self.measure(m: product.m, n: product.n, k: product.k, transposeB: product.transposeB)
            }.max()!
            let work = 2.0 * Double(product.m * product.n * product.k * product.count)
            print(
                String(
                    format: "sgemm: m=%d n=%d k=%d %@ x%d  %.1f GFLOP/s", product.m, product.n, product.k,
                    product.transposeB ? "X*W^T" : "dY*W", product.count, rate))
            flops += work
            seconds += work / (rate * 1e9)
        }
        print(String(format: "threads=%d sgemm_gflops=%.2f", options.threads, flops / seconds / 1e9))
    }

    /// GFLOP/s of row-major `C(m×n) = A(m×k) · op(B)` with B (n×k) transposed or (k×n) plain, run for at least
    /// 0.1 s after one warm-up call.
    static func measure(m: Int, n: Int, k: Int, transposeB: Bool) -> Double {
        var random = SeededRandom(seed: 7)
        let a = (0..<(m * k)).map { _ in random.nextUnitFloat() - 0.5 }
        let b = (0..<(n * k)).map { _ in random.nextUnitFloat() - 0.5 }
        var c = [Float](repeating: 0, count: m * n)
        let call = {
            cblas_sgemm(
                CblasRowMajor, CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans, Int32(m), Int32(n), Int32(k), 1,
                a, Int32(k), b, Int32(transposeB ? k : n), 0, &c, Int32(n))
        }
        call()
        var calls = 0
        var elapsed = 0.0
        let start = Measuring.clock.now
        repeat {
            call()
            calls += 1
            let d = Measuring.clock.now - start
            elapsed = Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
        } while elapsed < 0.1
        return 2.0 * Double(m) * Double(n) * Double(k) * Double(calls) / elapsed / 1e9
    }
}
