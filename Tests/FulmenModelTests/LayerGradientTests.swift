import Foundation
import Testing

@testable import FulmenModel

/// Each layer's backward pass against central finite differences of its forward pass.
@Suite struct LayerGradientTests {
    @Test func test_linear_backward_shouldMatchFiniteDifferences() {
        let (rows, inputSize, outputSize) = (5, 7, 6)
        let x = GradientCheck.random(rows * inputSize, seed: 1)
        let w = GradientCheck.random(outputSize * inputSize, seed: 2)
        let b = GradientCheck.random(outputSize, seed: 3)
        let projection = GradientCheck.random(rows * outputSize, seed: 4)
        func run(_ x: [Float], _ w: [Float], _ b: [Float]) -> [Float] {
            var y = [Float](repeating: 0, count: rows * outputSize)
            Linear.forward(
                output: &y, input: x, weight: w, bias: b, rows: rows, inputSize: inputSize, outputSize: outputSize)
            return y
        }
        var dx = [Float](repeating: 0, count: x.count)
        var dw = [Float](repeating: 0, count: w.count)
        var db = [Float](repeating: 0, count: b.count)
        Linear.backward(
            inputGradient: &dx, weightGradient: &dw, biasGradient: &db, outputGradient: projection, input: x, weight: w,
            rows: rows, inputSize: inputSize, outputSize: outputSize)
        let dxRatio = GradientCheck.worstRatio(input: x, analytic: dx, indices: GradientCheck.sample(x.count)) {
            GradientCheck.objective(run($0, w, b), projection)
        }
        let dwRatio = GradientCheck.worstRatio(input: w, analytic: dw, indices: GradientCheck.sample(w.count)) {
            GradientCheck.objective(run(x, $0, b), projection)
        }
        let dbRatio = GradientCheck.worstRatio(input: b, analytic: db, indices: Array(0..<b.count)) {
            GradientCheck.objective(run(x, w, $0), projection)
        }
        #expect(dxRatio <= 1)
        #expect(dwRatio <= 1)
        #expect(dbRatio <= 1)
    }

    @Test func test_linear_forward_shouldMatchNaiveReference() {
        for rows in [1, 3, 17] {
            let (inputSize, outputSize) = (19, 11)
            let x = GradientCheck.random(rows * inputSize, seed: 5)
            let w = GradientCheck.random(outputSize * inputSize, seed: 6)
            let b = GradientCheck.random(outputSize, seed: 7)
            var fast = [Float](repeating: 0, count: rows * outputSize)
            var naive = fast
            Linear.forward(
                output: &fast, input: x, weight: w, bias: b, rows: rows, inputSize: inputSize, outputSize: outputSize)
            Linear.forwardNaive(
                output: &naive, input: x, weight: w, bias: b, rows: rows, inputSize: inputSize, outputSize: outputSize)
            let difference = zip(fast, naive).map { abs($0 - $1) }.max()!
            #expect(difference < 1e-5, "rows \(rows): max difference \(difference)")
        }
    }

    @Test func test_layerNorm_backward_shouldMatchFiniteDifferences() {
        let (rows, c) = (4, 9)
        let x = GradientCheck.random(rows * c, seed: 8, scale: 2)
        let w = GradientCheck.random(c, seed: 9)
        let b = GradientCheck.random(c, seed: 10)
        let projection = GradientCheck.random(rows * c, seed: 11)
        func run(_ x: [Float], _ w: [Float], _ b: [Float]) -> [Float] {
            var y = [Float](repeating: 0, count: rows * c)
            LayerNorm.forward(output: &y, mean: nil, rstd: nil, input: x, weight: w, bias: b, rows: rows, channels: c)
            return y
        }
        var y = [Float](repeating: 0, count: rows * c)
        var mean = [Float](repeating: 0, count: rows)
        var rstd = mean
        LayerNorm.forward(output: &y, mean: &mean, rstd: &rstd, input: x, weight: w, bias: b, rows: rows, channels: c)
        var dx = [Float](repeating: 0, count: x.count)
        var dw = [Float](repeating: 0, count: c)
        var db = [Float](repeating: 0, count: c)
        LayerNorm.backward(
            inputGradient: &dx, weightGradient: &dw, biasGradient: &db, outputGradient: projection, input: x, weight: w,
            mean: mean, rstd: rstd, rows: rows, channels: c)
        #expect(
            GradientCheck.worstRatio(input: x, analytic: dx, indices: Array(0..<x.count)) {
                GradientCheck.objective(run($0, w, b), projection)
            } <= 1)
        #expect(
            GradientCheck.worstRatio(input: w, analytic: dw, indices: Array(0..<c)) {
                GradientCheck.objective(run(x, $0, b), projection)
            } <= 1)
        #expect(
            GradientCheck.worstRatio(input: b, analytic: db, indices: Array(0..<c)) {
                GradientCheck.objective(run(x, w, $0), projection)
            } <= 1)
    }

    @Test func test_gelu_backward_shouldMatchFiniteDifferences() {
        let x = GradientCheck.random(37, seed: 12, scale: 4)
        let projection = GradientCheck.random(37, seed: 13)
        func run(_ x: [Float]) -> [Float] {
            var y = [Float](repeating: 0, count: x.count)
            GELU.forward(output: &y, input: x, count: x.count)
            return y
        }
        var dx = [Float](repeating: 0, count: x.count)
        GELU.backward(inputGradient: &dx, outputGradient: projection, input: x, count: x.count)
        #expect(
            GradientCheck.worstRatio(input: x, analytic: dx, indices: Array(0..<x.count), epsilon: 1e-3) {
                GradientCheck.objective(run($0), projection)
            } <= 1)
    }

    @Test func test_gelu_forward_shouldMatchTanhFormula() {
        let x = GradientCheck.random(101, seed: 14, scale: 12)
        var y = [Float](repeating: 0, count: x.count)
        GELU.forward(output: &y, input: x, count: x.count)
        for (xi, yi) in zip(x, y) {
            let v = Double(xi)
            let expected = 0.5 * v * (1 + _tanh(0.7978845608028654 * (v + 0.044715 * v * v * v)))
            #expect(abs(Double(yi) - expected) <= 1e-6 * max(1, abs(expected)), "gelu(\(xi))")
        }
    }

    @Test(arguments: [5, 70])
    func test_attention_backward_shouldMatchFiniteDifferences(length t: Int) {
        let (batch, c, heads) = (2, 8, 2)
        let qkv = GradientCheck.random(batch * t * 3 * c, seed: 15, scale: 1.5)
        let projection = GradientCheck.random(batch * t * c, seed: 16)
        var scratch = [Float](repeating: 0, count: 2 * t * t)
        func run(_ qkv: [Float], _ lse: inout [Float]) -> [Float] {
            var y = [Float](repeating: 0, count: batch * t * c)
            Attention.forward(
                output: &y, logSumExp: &lse, qkv: qkv, scratch: &scratch, batch: batch, length: t, channels: c,
                heads: heads)
            return y
        }
        var lse = [Float](repeating: 0, count: batch * heads * t)
        _ = run(qkv, &lse)
        var dqkv = [Float](repeating: .nan, count: qkv.count)
        Attention.backward(
            qkvGradient: &dqkv, outputGradient: projection, qkv: qkv, logSumExp: lse, scratch: &scratch, batch: batch,
            length: t, channels: c, heads: heads)
        #expect(dqkv.allSatisfy { $0.isFinite }, "every element of the qkv gradient is written")
        let ratio = GradientCheck.worstRatio(
            input: qkv, analytic: dqkv, indices: GradientCheck.sample(qkv.count, count: 80)
        ) {
            var scratchLSE = [Float](repeating: 0, count: batch * heads * t)
            return GradientCheck.objective(run($0, &scratchLSE), projection)
        }
        #expect(ratio <= 1)
    }

    @Test func test_attention_forward_shouldBeCausal() {
        let (t, c, heads) = (6, 4, 2)
        var qkv = GradientCheck.random(t * 3 * c, seed: 17)
        var scratch = [Float](repeating: 0, count: 2 * t * t)
        var lse = [Float](repeating: 0, count: heads * t)
        var before = [Float](repeating: 0, count: t * c)
        Attention.forward(
            output: &before, logSumExp: &lse, qkv: qkv, scratch: &scratch, batch: 1, length: t, channels: c,
            heads: heads)
        for i in (t - 1) * 3 * c..<t * 3 * c { qkv[i] += 1 }
        var after = [Float](repeating: 0, count: t * c)
        Attention.forward(
            output: &after, logSumExp: &lse, qkv: qkv, scratch: &scratch, batch: 1, length: t, channels: c, heads: heads
        )
        let boundary = (t - 1) * c
        let earlierBefore = Array(before[0..<boundary])
        let earlierAfter = Array(after[0..<boundary])
        let lastBefore = Array(before[boundary...])
        let lastAfter = Array(after[boundary...])
        #expect(earlierBefore == earlierAfter, "earlier positions do not see the last one")
        #expect(lastBefore != lastAfter)
    }

    @Test func test_crossEntropy_gradient_shouldMatchFiniteDifferences() {
        let (rows, v) = (3, 11)
        let logits = GradientCheck.random(rows * v, seed: 18, scale: 3)
        let targets: [Int32] = [4, 0, 10]
        let weights: [Float] = [0.5, -1.25, 0]
        func loss(_ logits: [Float]) -> Double {
            var copy = logits
            var logProbabilities = [Float](repeating: 0, count: rows)
            return CrossEntropy.forward(
                logits: &copy, targetLogProbabilities: &logProbabilities, targets: targets, weights: weights,
                rows: rows,
                vocabulary: v, gradient: false)
        }
        var gradient = logits
        var logProbabilities = [Float](repeating: 0, count: rows)
        let value = CrossEntropy.forward(
            logits: &gradient, targetLogProbabilities: &logProbabilities, targets: targets, weights: weights,
            rows: rows,
            vocabulary: v, gradient: true)
        #expect(abs(value - loss(logits)) < 1e-9)
        #expect(gradient[2 * v..<3 * v].allSatisfy { $0 == 0 }, "a weight of 0 masks the position out")
        #expect(
            GradientCheck.worstRatio(
                input: logits, analytic: gradient, indices: Array(0..<logits.count), epsilon: 1e-3,
                absoluteTolerance: 1e-4
            ) { loss($0) } <= 1)
    }

    @Test func test_embedding_backward_shouldAddIntoTheRowsUsed() {
        let (t, c) = (3, 2)
        let tokens: [Int32] = [1, 1, 0]
        let dy: [Float] = [1, 2, 3, 4, 5, 6]
        var dwte = [Float](repeating: 0, count: 2 * c)
        var dwpe = [Float](repeating: 0, count: t * c)
        Embedding.backward(
            tokenEmbeddingGradient: &dwte, positionEmbeddingGradient: &dwpe, outputGradient: dy, tokens: tokens,
            batch: 1,
            length: t, channels: c)
        #expect(dwte == [5, 6, 4, 6])
        #expect(dwpe == dy)
    }
}

private func _tanh(_ x: Double) -> Double {
    let e = exp(2 * x)
    return e.isInfinite ? 1 : (e - 1) / (e + 1)
}
