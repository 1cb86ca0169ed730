import FulmenLlama
import FulmenModel
import ModelFiles

/// Prefill and decode throughput of `Llama.generate` with greedy sampling.
///
/// - Prefill: one prompt of `promptLength` tokens and one new token, so the call is the prompt's forward pass plus
///   the logits of its last position (and one argmax).
/// - Decode at batch B: B prompts of `decodePromptLength` tokens; a call generating `newTokens` each, less a call
///   generating one each (the prefill and first sample), leaves `B · (newTokens − 1)` decoded tokens.
/// Each figure is the median over `repeats` timings after one warm-up call.
struct InferenceMeasurement {
    let options: Options

    init(_ options: Options) {
        self.options = options
    }

    func run() throws {
        let model = try Llama(gguf: try GGUFFile(path: options.model), threadCount: options.threads)
        print(
            "fulmen: \(options.model) threads=\(options.threads) blas=\(BLAS.coreName) "
                + "parameters=\(model.parameterCount)")

        let prompt = Measuring.tokens(sequence: 0, count: options.promptLength)
        let prefill = try medianTime(model, [prompt], newTokens: 1)
        let prefillRate = Double(options.promptLength) / prefill
        print(
            String(
                format: "prefill: %d tokens in %.1f ms -> %.1f tok/s", options.promptLength, prefill * 1e3,
                prefillRate))

        var line = String(format: "threads=%d prefill_tok_s=%.1f", options.threads, prefillRate)
        for batch in options.batches {
            let prompts = (0..<batch).map { Measuring.tokens(sequence: 1 + $0, count: options.decodePromptLength) }
            let first = try medianTime(model, prompts, newTokens: 1)
            let full = try medianTime(model, prompts, newTokens: options.newTokens)
            let rate = Double(batch * (options.newTokens - 1)) / (full - first)
            print(
                String(
                    format: "decode: batch=%d prompt=%d new=%d: %.1f ms (first token %.1f ms) -> %.1f tok/s", batch,
                    options.decodePromptLength, options.newTokens, full * 1e3, first * 1e3, rate))
            line += String(format: " decode_b%d_tok_s=%.1f", batch, rate)
        }
        print(line + String(format: " peak_rss_mb=%.1f", Measuring.peakResidentMegabytes()))
    }

    /// The median seconds of `generate` over the prompts, greedy, after one warm-up call.
    private func medianTime(_ model: Llama, _ prompts: [[Int32]], newTokens: Int) throws -> Double {
        let requests = prompts.map {
            GenerationRequest(prompt: $0, maxNewTokens: newTokens, sampling: SamplingParameters(temperature: 0))
        }
        var times: [Double] = []
        for repetition in 0...options.repeats {
            var results: [Generation] = []
            let t = try Measuring.time { results = try model.generate(requests) }
            guard results.allSatisfy({ $0.tokens.count == newTokens }) else {
                throw BenchmarkError.shortGeneration(expected: newTokens, got: results.map(\.tokens.count))
            }
            if repetition > 0 { times.append(t) }
        }
        return Measuring.median(times)
    }
}
