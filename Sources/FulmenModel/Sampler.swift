import Foundation

/// How the next token is drawn from the model's distribution.
public struct SamplingParameters: Sendable, Hashable, Codable {
    /// Divides the logits before sampling; 0 picks the most likely token (greedy, deterministic).
    public var temperature: Float
    /// Keeps only the `topK` most likely tokens when set (and below the vocabulary size).
    public var topK: Int?
    /// Keeps the smallest set of most likely tokens whose probability reaches `topP` (nucleus sampling); 1 keeps all.
    public var topP: Float
    /// Seeds this sequence's own random stream, so a request samples the same tokens alone or in any batch.
    public var seed: UInt64

    /// Creates sampling parameters; the defaults sample the plain distribution.
    public init(temperature: Float = 1, topK: Int? = nil, topP: Float = 1, seed: UInt64 = 0) {
        self.temperature = temperature
        self.topK = topK
        self.topP = topP
        self.seed = seed
    }
}

/// Draws tokens from logits for one sequence, with its own random stream and scratch space.
package struct Sampler {
    package let parameters: SamplingParameters
    private var random: SeededRandom
    private var probabilities: [Float]
    private var order: [Int32]

    package init(parameters: SamplingParameters, vocabularySize: Int) {
        self.parameters = parameters
        random = SeededRandom(seed: parameters.seed)
        probabilities = [Float](repeating: 0, count: vocabularySize)
        order = (0..<Int32(vocabularySize)).map { $0 }
    }

    /// Picks the next token from `logits` (V values).
    ///
    /// - Returns: The token and its log-probability under the model's untempered, untruncated distribution.
    package mutating func next(logits: UnsafePointer<Float>) -> (token: Int32, logProbability: Float) {
        let v = probabilities.count
        let m = VectorMath.max(logits, v)
        var sum: Float = 0
        for i in 0..<v { sum += Foundation.exp(logits[i] - m) }
        let logNormaliser = m + log(sum)
        let token = choose(logits: logits, maximum: m)
        return (token, logits[Int(token)] - logNormaliser)
    }

    private mutating func choose(logits: UnsafePointer<Float>, maximum m: Float) -> Int32 {
        let v = probabilities.count
        if parameters.temperature <= 0 {
            var best = 0
            for i in 1..<v where logits[i] > logits[best] { best = i }
            return Int32(best)
        }
        let inverseTemperature = 1 / parameters.temperature
        var total: Float = 0
        for i in 0..<v {
            probabilities[i] = Foundation.exp((logits[i] - m) * inverseTemperature)
            total += probabilities[i]
        }
        let topK = parameters.topK ?? v
        if topK < v || parameters.topP < 1 {
            for i in 0..<v { order[i] = Int32(i) }
            probabilities.withUnsafeBufferPointer { p in
                order.sort { p[Int($0)] > p[Int($1)] || (p[Int($0)] == p[Int($1)] && $0 < $1) }
            }
            var kept: Float = 0
            var keep = 0
            let target = parameters.topP * total
            while keep < max(1, min(topK, v)) {
                kept += probabilities[Int(order[keep])]
                keep += 1
                if kept >= target { break }
            }
            for i in keep..<v { probabilities[Int(order[i])] = 0 }
            total = kept
        }
        var u = random.nextUnitFloat() * total
        var last = 0
        for i in 0..<v where probabilities[i] > 0 {
            last = i
            u -= probabilities[i]
            if u < 0 { return Int32(i) }
        }
        return Int32(last)
    }
}
