import FulmenLlama
import FulmenModel
import ModelFiles

/// LoRA training throughput: adapters of rank r (alpha 2r, no dropout) on q, k, v, o, gate, up and down of every
/// block, batches of `trainBatch` × `trainLength` synthetic tokens, each step zeroing the gradients, running the
/// forward and backward pass and one AdamW update (lr 1e-4, weight decay 0.01).
struct LoRATrainingMeasurement {
    let options: Options

    init(_ options: Options) {
        self.options = options
    }

    func run() throws {
        let model = try Llama(gguf: try GGUFFile(path: options.model), threadCount: options.threads)
        let lora = LoRAConfig(
            rank: options.rank, alpha: Float(2 * options.rank), dropout: 0, targets: Set(LoRATarget.allCases))
        let adapters = try model.attachAdapters(lora, seed: 7)
        let workload = LoRAWorkload(
            config: model.config, batch: options.trainBatch, length: options.trainLength, rank: options.rank)
        let optimizer = AdamW(model: model, settings: AdamW.Settings(beta1: 0.9, beta2: 0.999, weightDecay: 0.01))
        print(
            "fulmen lora: threads=\(options.threads) rank=\(options.rank) adapters=\(adapters.parameterCount) "
                + "base_matrix_weights=\(workload.baseMatrixWeights) flops_per_token=\(Int(workload.flopsPerToken))")

        var times: [Double] = []
        var losses: [Float] = []
        for step in 0..<(options.warmupSteps + options.steps) {
            // Sequences of length + 1 tokens: `length` inputs and `length` targets a sequence.
            let batch = try TrainingBatch.languageModeling(
                sequences: (0..<options.trainBatch).map {
                    Measuring.tokens(sequence: step * options.trainBatch + $0, count: options.trainLength + 1)
                })
            let t = try Measuring.time {
                model.zeroGradients()
                losses.append(try model.accumulateGradients(for: batch))  // the mean cross-entropy
                optimizer.update(model, learningRate: 1e-4)
            }
            if step >= options.warmupSteps { times.append(t) }
        }
        let tokens = Double(options.trainBatch * options.trainLength)
        let rate = tokens / Measuring.median(times)
        print(
            String(
                format:
                    "lora: batch=%d length=%d steps=%d step median %.1f ms, loss first %.3f last %.3f -> %.1f tok/s",
                options.trainBatch, options.trainLength, options.steps, Measuring.median(times) * 1e3, losses.first!,
                losses.last!, rate))
        print(
            String(
                format: "threads=%d train_tok_s=%.1f train_gflops=%.2f flops_per_token=%.0f peak_rss_mb=%.1f",
                options.threads, rate, rate * workload.flopsPerToken / 1e9, workload.flopsPerToken,
                Measuring.peakResidentMegabytes()))
    }
}
