import FulmenModel
import Testing

@testable import FulmenLlama

/// One block's adapters on their own: gradients of A, B and the input against finite differences (with dropout),
/// the q/k row order, and the configuration's validation.
@Suite struct LoRALayerTests {
    /// The q, k and v adapters of block 1 write their columns of the fused (R, W) qkv output; with dropout 0.25 and
    /// a fixed mask seed, the objective Σ y·P is checked by central differences (step 1e-2) against the analytic
    /// gradients of A, B and the input; tolerance |numeric − analytic| ≤ 1e-3 + 1e-2·|value|.
    @Test(arguments: [LoRAProduct.qkv, .gateUp, .down])
    func test_layerGradients_shouldMatchFiniteDifferences(product: LoRAProduct) throws {
        let model = LlamaTestSupport.tiny
        let seed: UInt64 = 31 + UInt64(product.rawValue)
        print("LoRA layer gradient check: seed \(seed), product \(product)")
        let lora = LoRAConfig(rank: 3, alpha: 6, dropout: 0.25, targets: Set(LoRATarget.allCases))
        let adapters = LoRAAdapters(model: model, config: lora, seed: seed)
        // B nonzero, so that A gets a gradient.
        let randomB = LlamaTestSupport.random(adapters.parameterCount, seed: seed &+ 1, scale: 0.5)
        for site in adapters.layout.sites {
            for i in 0..<(site.outputSize * lora.rank) { adapters.parameters.base[site.b + i] = randomB[site.b + i] }
        }
        let layer = 1
        let sites = adapters.layout.sites(layer: layer, product: product)
        let (rows, inputSize, width) = (5, sites[0].inputSize, product.width(model))
        let input = LlamaTestSupport.random(rows * inputSize, seed: seed &+ 2)
        let projection = LlamaTestSupport.random(rows * width, seed: seed &+ 3)
        let dropoutSeed: UInt64 = seed &+ 4

        func objective(_ x: [Float]) -> Double {
            var y = [Float](repeating: 0, count: rows * width)
            adapters.beginPass(rows: rows, training: true, dropoutSeed: dropoutSeed)
            x.withUnsafeBufferPointer { x in
                y.withUnsafeMutableBufferPointer {
                    adapters.forward(product, layer: layer, input: x.baseAddress!, output: $0.baseAddress!, rows: rows)
                }
            }
            return LlamaTestSupport.objective(y, projection)
        }
        _ = objective(input)
        adapters.gradients.zero()
        var inputGradient = [Float](repeating: 0, count: rows * inputSize)
        input.withUnsafeBufferPointer { x in
            projection.withUnsafeBufferPointer { dy in
                inputGradient.withUnsafeMutableBufferPointer {
                    adapters.backward(
                        product, layer: layer, input: x.baseAddress!, outputGradient: dy.baseAddress!,
                        inputGradient: $0.baseAddress!, rows: rows)
                }
            }
        }
        let inputRatio = LlamaTestSupport.worstRatio(
            input: input, analytic: inputGradient, indices: LlamaTestSupport.sample(input.count), evaluate: objective)
        #expect(inputRatio <= 1, "input gradient: worst error / allowance \(inputRatio)")
        #expect(inputGradient.contains { $0 == 0 } || lora.dropout == 0, "dropout should zero some input gradients")
        var worst = 0.0
        for site in sites {
            for (offset, count) in [(site.a, lora.rank * site.inputSize), (site.b, site.outputSize * lora.rank)] {
                let values = adapters.parameters.copy(offset: offset, count: count)
                let analytic = adapters.gradients.copy(offset: offset, count: count)
                let ratio = LlamaTestSupport.worstRatio(
                    input: values, analytic: analytic, indices: LlamaTestSupport.sample(count, count: 12)
                ) { changed in
                    let saved = adapters.parameters.copy(offset: offset, count: count)
                    changed.withUnsafeBufferPointer { (adapters.parameters.base + offset).update(from: $0.baseAddress!, count: count) }
                    defer { saved.withUnsafeBufferPointer { (adapters.parameters.base + offset).update(from: $0.baseAddress!, count: count) } }
                    return objective(input)
                }
                #expect(ratio <= 1, "\(site.target) \(offset == site.a ? "A" : "B"): worst error / allowance \(ratio)")
                worst = max(worst, ratio)
            }
        }
        print("LoRA \(product) gradients: worst error / allowance: input \(inputRatio), A and B \(worst)")
    }

    /// GGUF row 2i of a head is Hugging Face row i and row 2i + 1 is row D/2 + i (llama.cpp's `permute`); the two
    /// conversions are inverse.
    @Test func test_rotaryRowOrder_shouldInterleaveTheHalvesOfEachHead() {
        let d = 8
        #expect((0..<d).map { RotaryRowOrder.ggufRow(huggingFaceRow: $0, headSize: d) } == [0, 2, 4, 6, 1, 3, 5, 7])
        #expect(RotaryRowOrder.ggufRow(huggingFaceRow: 8 + 5, headSize: d) == 8 + 3)
        let values = (0..<(3 * d * 2)).map(Float.init)  // 3 heads, rows of width 2
        let gguf = RotaryRowOrder.toGGUF(values, rows: 3 * d, width: 2, headSize: d)
        #expect(gguf != values)
        #expect(Array(gguf[2..<4]) == Array(values[8..<10]))  // GGUF row 1 = HF row D/2 = 4
        #expect(RotaryRowOrder.toHuggingFace(gguf, rows: 3 * d, width: 2, headSize: d) == values)
    }

    @Test func test_config_shouldNameTheBadField() {
        let cases: [(LoRAConfig, String)] = [
            (LoRAConfig(rank: 0), "rank"), (LoRAConfig(alpha: -1), "alpha"), (LoRAConfig(alpha: .nan), "alpha"),
            (LoRAConfig(dropout: 1), "dropout"), (LoRAConfig(dropout: -0.1), "dropout"),
            (LoRAConfig(targets: []), "targets"),
        ]
        for (config, field) in cases {
            let error = #expect(throws: LoRAError.self) { try config.validate() }
            guard case .invalidConfiguration(let named, _) = error else {
                Issue.record("expected invalidConfiguration for \(field), got \(String(describing: error))")
                continue
            }
            #expect(named == field)
        }
        #expect(throws: Never.self) { try LoRAConfig(rank: 8, alpha: 16, dropout: 0.05).validate() }
        #expect(LoRAConfig(rank: 8, alpha: 16).scale == 2)
        #expect(LoRATarget.allCases.map(\.rawValue) == ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"])
    }
}
