import Foundation
import FulmenModel
import Testing

@testable import FulmenLlama

/// Each Llama layer's backward pass against central finite differences of its forward pass (Float32 layers, the
/// objective `Σ output · projection` in double precision; tolerance |numeric − analytic| ≤ 1e-3 + 1e-2·|value|).
@Suite struct LlamaLayerGradientTests {
    @Test func test_rmsNorm_backward_shouldMatchFiniteDifferences() {
        let (rows, c) = (4, 9)
        let x = LlamaTestSupport.random(rows * c, seed: 1, scale: 2)
        let w = LlamaTestSupport.random(c, seed: 2)
        let projection = LlamaTestSupport.random(rows * c, seed: 3)
        func run(_ x: [Float], _ w: [Float]) -> [Float] {
            var y = [Float](repeating: 0, count: rows * c)
            RMSNorm.forward(output: &y, rstd: nil, input: x, weight: w, rows: rows, channels: c, epsilon: 1e-5)
            return y
        }
        var y = [Float](repeating: 0, count: rows * c)
        var rstd = [Float](repeating: 0, count: rows)
        RMSNorm.forward(output: &y, rstd: &rstd, input: x, weight: w, rows: rows, channels: c, epsilon: 1e-5)
        var dx = [Float](repeating: 0, count: x.count)
        var dw = [Float](repeating: 0, count: c)
        RMSNorm.backward(
            inputGradient: &dx, weightGradient: &dw, outputGradient: projection, input: x, weight: w, rstd: rstd,
            rows: rows, channels: c)
        let dxRatio = LlamaTestSupport.worstRatio(input: x, analytic: dx, indices: Array(0..<x.count)) {
            LlamaTestSupport.objective(run($0, w), projection)
        }
        let dwRatio = LlamaTestSupport.worstRatio(input: w, analytic: dw, indices: Array(0..<c)) {
            LlamaTestSupport.objective(run(x, $0), projection)
        }
        #expect(dxRatio <= 1)
        #expect(dwRatio <= 1)
        // The forward against the formula: y = x / √(mean(x²) + eps) · w.
        let row = Array(x[0..<c])
        let scale = 1 / (row.map { Double($0 * $0) }.reduce(0, +) / Double(c) + 1e-5).squareRoot()
        for i in 0..<c { #expect(abs(Double(y[i]) - Double(row[i]) * scale * Double(w[i])) < 1e-5) }
    }

    @Test func test_rotaryEmbedding_shouldTurnAdjacentPairsByTheLlamaAngles() {
        let (d, base) = (8, Float(100_000))
        let rotary = RotaryEmbedding(headSize: d, positions: 50, base: base)
        for (position, pair) in [(0, 0), (7, 0), (7, 1), (49, 3)] {
            var x = [Float](repeating: 0, count: d)
            x[2 * pair] = 1
            x.withUnsafeMutableBufferPointer { rotary.rotate($0.baseAddress!, heads: 1, position: position) }
            let angle = Double(position) * pow(Double(base), -2 * Double(pair) / Double(d))
            #expect(abs(Double(x[2 * pair]) - cos(angle)) < 1e-6, "position \(position) pair \(pair)")
            #expect(abs(Double(x[2 * pair + 1]) - sin(angle)) < 1e-6, "position \(position) pair \(pair)")
            let others = x.enumerated().filter { $0.offset / 2 != pair }.map { abs($0.element) }.max() ?? 0
            #expect(others == 0, "only pair \(pair) moves")
        }
    }

    @Test func test_rotaryEmbedding_backward_shouldMatchFiniteDifferences() {
        let (rows, heads, d) = (3, 2, 8)
        let rotary = RotaryEmbedding(headSize: d, positions: 20, base: 10_000)
        let positions = [0, 5, 17]
        let x = LlamaTestSupport.random(rows * heads * d, seed: 4)
        let projection = LlamaTestSupport.random(x.count, seed: 5)
        func run(_ x: [Float]) -> [Float] {
            var y = x
            y.withUnsafeMutableBufferPointer { y in
                for r in 0..<rows { rotary.rotate(y.baseAddress! + r * heads * d, heads: heads, position: positions[r]) }
            }
            return y
        }
        var dx = projection
        dx.withUnsafeMutableBufferPointer { g in
            for r in 0..<rows { rotary.rotateBack(g.baseAddress! + r * heads * d, heads: heads, position: positions[r]) }
        }
        #expect(
            LlamaTestSupport.worstRatio(input: x, analytic: dx, indices: Array(0..<x.count)) {
                LlamaTestSupport.objective(run($0), projection)
            } <= 1)
    }

    @Test func test_swiGLU_backward_shouldMatchFiniteDifferences() {
        let (rows, f) = (3, 11)
        let gateUp = LlamaTestSupport.random(rows * 2 * f, seed: 6, scale: 4)
        let projection = LlamaTestSupport.random(rows * f, seed: 7)
        func run(_ gateUp: [Float]) -> [Float] {
            var hidden = [Float](repeating: 0, count: rows * f)
            SwiGLU.forward(hidden: &hidden, gateUp: gateUp, rows: rows, width: f)
            return hidden
        }
        let hidden = run(gateUp)
        for (i, value) in hidden.enumerated() {
            let (r, j) = (i / f, i % f)
            let g = Double(gateUp[r * 2 * f + j])
            let expected = g / (1 + exp(-g)) * Double(gateUp[r * 2 * f + f + j])
            #expect(abs(Double(value) - expected) < 1e-5 * max(1, abs(expected)))
        }
        var dGateUp = [Float](repeating: 0, count: gateUp.count)
        SwiGLU.backward(gateUpGradient: &dGateUp, hiddenGradient: projection, gateUp: gateUp, rows: rows, width: f)
        #expect(
            LlamaTestSupport.worstRatio(input: gateUp, analytic: dGateUp, indices: Array(0..<gateUp.count), epsilon: 1e-3)
            {
                LlamaTestSupport.objective(run($0), projection)
            } <= 1)
    }

    static let attentionShape = GroupedQueryAttention.Shape(batch: 2, length: 37, heads: 4, keyValueHeads: 2, headSize: 4)

    static func attention(_ qkv: [Float], workers: Int = 1) -> (output: [Float], logSumExp: [Float]) {
        let s = attentionShape
        var output = [Float](repeating: 0, count: s.batch * s.length * s.queryWidth)
        var lse = [Float](repeating: 0, count: s.batch * s.heads * s.length)
        let scratch = (0..<workers).map { _ in
            FloatBuffer(count: GroupedQueryAttention.scratchCount(length: s.length))
        }
        GroupedQueryAttention.forward(
            output: &output, logSumExp: &lse, qkv: qkv, scratch: scratch.map(\.base), shape: s)
        return (output, lse)
    }

    @Test func test_groupedQueryAttention_forward_shouldMatchNaiveCausalAttention() {
        let s = Self.attentionShape
        let qkv = LlamaTestSupport.random(s.batch * s.length * s.width, seed: 8, scale: 2)
        let (output, _) = Self.attention(qkv, workers: 2)
        var worst: Float = 0
        for b in 0..<s.batch {
            for h in 0..<s.heads {
                let kv = h / s.groupSize  // query heads 0, 1 read kv head 0; 2, 3 read kv head 1
                for t in 0..<s.length {
                    let row = (b * s.length + t) * s.width
                    var scores = (0...t).map { j -> Double in
                        let key = (b * s.length + j) * s.width + s.queryWidth + kv * s.headSize
                        return (0..<s.headSize).reduce(0.0) { $0 + Double(qkv[row + h * s.headSize + $1] * qkv[key + $1]) }
                            / Double(s.headSize).squareRoot()
                    }
                    let m = scores.max()!
                    scores = scores.map { exp($0 - m) }
                    let total = scores.reduce(0, +)
                    for i in 0..<s.headSize {
                        var value = 0.0
                        for j in 0...t {
                            let v = (b * s.length + j) * s.width + s.queryWidth + (s.keyValueHeads + kv) * s.headSize
                            value += scores[j] / total * Double(qkv[v + i])
                        }
                        let got = output[(b * s.length + t) * s.queryWidth + h * s.headSize + i]
                        worst = max(worst, abs(got - Float(value)))
                    }
                }
            }
        }
        #expect(worst < 1e-5, "largest difference from the naive attention: \(worst)")
    }

    @Test(arguments: [1, 2])
    func test_groupedQueryAttention_backward_shouldMatchFiniteDifferences(workers: Int) {
        let s = Self.attentionShape
        let qkv = LlamaTestSupport.random(s.batch * s.length * s.width, seed: 9, scale: 1.5)
        let projection = LlamaTestSupport.random(s.batch * s.length * s.queryWidth, seed: 10)
        let (_, lse) = Self.attention(qkv, workers: workers)
        var dqkv = [Float](repeating: .nan, count: qkv.count)
        let scratch = (0..<workers).map { _ in FloatBuffer(count: GroupedQueryAttention.scratchCount(length: s.length)) }
        GroupedQueryAttention.backward(
            qkvGradient: &dqkv, outputGradient: projection, qkv: qkv, logSumExp: lse, scratch: scratch.map(\.base),
            shape: s)
        #expect(dqkv.allSatisfy { $0.isFinite }, "every gradient element is written")
        #expect(
            LlamaTestSupport.worstRatio(input: qkv, analytic: dqkv, indices: LlamaTestSupport.sample(qkv.count, count: 120))
            {
                LlamaTestSupport.objective(Self.attention($0).output, projection)
            } <= 1)
    }
}
