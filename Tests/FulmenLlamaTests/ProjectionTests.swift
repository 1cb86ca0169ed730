import FulmenModel
import Testing

@testable import FulmenLlama

/// The products every layer runs, against plain loops in double precision.
@Suite struct ProjectionTests {
    static func naive(_ x: [Float], _ w: [Float], rows: Int, inputSize: Int, outputSize: Int) -> [Double] {
        (0..<(rows * outputSize)).map { k in
            let (r, o) = (k / outputSize, k % outputSize)
            return (0..<inputSize).reduce(0.0) { $0 + Double(x[r * inputSize + $1]) * Double(w[o * inputSize + $1]) }
        }
    }

    /// Row counts that take `sgemv` (1), the small-batch kernel (2 ... 16, in groups of eight) and `sgemm` (17+);
    /// an input width with a tail past the vectors; one and three workers; written and accumulated.
    @Test(arguments: [1, 2, 7, 8, 9, 16, 17, 40])
    func test_forward_shouldMatchPlainLoops(rows: Int) {
        let (inputSize, outputSize) = (77, 300)
        let x = LlamaTestSupport.random(rows * inputSize, seed: UInt64(rows), scale: 1)
        let w = LlamaTestSupport.random(outputSize * inputSize, seed: 100 + UInt64(rows), scale: 1)
        let expected = Self.naive(x, w, rows: rows, inputSize: inputSize, outputSize: outputSize)
        for workers in [1, 3] {
            for accumulate in [false, true] {
                var y = [Float](repeating: accumulate ? 1 : .nan, count: rows * outputSize)
                Projection.forward(
                    output: &y, input: x, weight: w, rows: rows, inputSize: inputSize, outputSize: outputSize,
                    accumulate: accumulate, workers: workers)
                let worst = zip(y, expected).map { abs(Double($0) - $1 - (accumulate ? 1 : 0)) }.max()!
                #expect(worst < 1e-4, "rows \(rows), workers \(workers), accumulate \(accumulate): \(worst)")
            }
        }
    }
}
