import FulmenModel

@testable import FulmenLlama

/// Shared pieces of the Llama tests: tiny configurations, models with weights far from their initial scale (so that
/// distributions are far from uniform), and finite-difference checking.
enum LlamaTestSupport {
    /// Width 32, 2 layers, 4 query heads and 2 key/value heads of 8, SwiGLU of 48, vocabulary 61, tied head.
    static let tiny = LlamaConfig(
        vocabularySize: 61, contextLength: 80, embeddingSize: 32, layerCount: 2, headCount: 4, keyValueHeadCount: 2,
        headSize: 8, feedForwardSize: 48, rmsNormEpsilon: 1e-5, ropeBase: 10_000, tiedEmbeddings: true)

    /// A seeded random model whose matrices are rescaled to std `scale` and whose norm weights are perturbed
    /// around 1.
    static func model(
        _ config: LlamaConfig = tiny, seed: UInt64, scale: Float = 0.3, threadCount: Int = 1, cacheBlockSize: Int = 16
    ) throws -> Llama {
        print("Llama test model: seed \(seed)")
        let model = try Llama(config: config, seed: seed, threadCount: threadCount, cacheBlockSize: cacheBlockSize)
        var random = SeededRandom(seed: seed &+ 1000)
        for entry in model.layout.entries {
            let p = model.parameters.base + entry.offset
            for i in 0..<entry.count {
                p[i] = entry.shape.count == 1 ? 1 + 0.2 * random.nextGaussian() : scale * random.nextGaussian()
            }
        }
        return model
    }

    /// The tensors of a safetensors image, by name.
    static func tensors(_ bytes: [UInt8]) throws -> [String: Tensor] {
        try bytes.withUnsafeBytes { raw in
            let header = try Safetensors.parseHeader(raw)
            var tensors: [String: Tensor] = [:]
            for (name, info) in header.tensors {
                var values = [Float](repeating: 0, count: info.shape.reduce(1, *))
                values.withUnsafeMutableBufferPointer { Safetensors.read(info, from: raw, into: $0.baseAddress!) }
                tensors[name] = Tensor(shape: info.shape, scalars: values)
            }
            return tensors
        }
    }

    /// Random values in [-scale, scale).
    static func random(_ count: Int, seed: UInt64, scale: Float = 1) -> [Float] {
        var random = SeededRandom(seed: seed)
        return (0..<count).map { _ in (random.nextUnitFloat() * 2 - 1) * scale }
    }

    /// `Σ output · projection` in double precision.
    static func objective(_ output: [Float], _ projection: [Float]) -> Double {
        zip(output, projection).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
    }

    /// The largest violation of `|numeric − analytic| ≤ atol + rtol·max(|numeric|, |analytic|)` over `indices`, as
    /// a multiple of the allowance (≤ 1 passes), with central differences of step `epsilon`.
    static func worstRatio(
        input: [Float], analytic: [Float], indices: [Int], epsilon: Float = 1e-2, absoluteTolerance: Double = 1e-3,
        relativeTolerance: Double = 1e-2, evaluate: ([Float]) -> Double
    ) -> Double {
        var worst = 0.0
        for i in indices {
            var plus = input
            plus[i] += epsilon
            var minus = input
            minus[i] -= epsilon
            let numeric = (evaluate(plus) - evaluate(minus)) / Double(2 * epsilon)
            let exact = Double(analytic[i])
            worst = max(worst, abs(numeric - exact) / (absoluteTolerance + relativeTolerance * max(abs(numeric), abs(exact))))
        }
        return worst
    }

    /// Up to `count` indices spread over `0 ..< size`.
    static func sample(_ size: Int, count: Int = 40) -> [Int] {
        size <= count ? Array(0..<size) : (0..<count).map { $0 * size / count + ($0 * 7) % max(1, size / count) }
    }

    /// The index of the largest value (the first, on ties).
    static func argmax(_ values: ArraySlice<Float>) -> Int {
        var best = values.startIndex
        for i in values.indices where values[i] > values[best] { best = i }
        return best - values.startIndex
    }
}
