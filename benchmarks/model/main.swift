import Foundation
// The model engine benchmark (see benchmarks/README.md): the protocol of peers/torch_tinygpt.py, run on FulmenModel.
//
//     ModelBenchmark run --preset tiny|small --threads N [--seed S]
//         training tokens/s and GFLOP/s, then generation tokens/s at batch 1 and 16; last line is key=value pairs.
//     ModelBenchmark sgemm --preset tiny|small --threads N
//         cblas_sgemm GFLOP/s on the linear-layer products of one training step of the preset (OpenBLAS with N
//         threads): the "peak at the relevant sizes" the training figure is compared with.
import FulmenModel

let trainBatch = 16
let trainWarmup = 3
let trainSteps = 20
let learningRate: Float = 3e-4
let promptLength = 32
let generatedLength = 96
let generationWarmup = 1
let generationRepetitions = 5
let generationBatches = [1, 16]

struct Options {
    var command = "run"
    var preset = "tiny"
    var threads = 1
    var seed: UInt64 = 0

    init(_ arguments: [String]) {
        var rest = arguments.dropFirst()
        if let first = rest.first, !first.hasPrefix("--") {
            command = first
            rest = rest.dropFirst()
        }
        while let flag = rest.popFirst() {
            guard let value = rest.popFirst() else { fail("missing value for \(flag)") }
            switch flag {
            case "--preset": preset = value
            case "--threads": threads = Int(value) ?? 0
            case "--seed": seed = UInt64(value) ?? 0
            default: fail("unknown option \(flag)")
            }
        }
        guard ["run", "sgemm"].contains(command) else { fail("unknown command \(command)") }
        guard threads >= 1 else { fail("--threads must be a positive integer") }
    }

    var config: GPTConfig {
        switch preset {
        case "tiny": return .tiny
        case "small": return .small
        default: fail("unknown preset \(preset) (tiny, small)")
        }
    }
}

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("ModelBenchmark: \(message)\n".utf8))
    exit(2)
}

func seconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) + Double(duration.components.attoseconds) * 1e-18
}

func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    return sorted.count % 2 == 1
        ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
}

func peakResidentMegabytes() -> Double {
    var usage = rusage()
    getrusage(Int32(RUSAGE_SELF.rawValue), &usage)
    return Double(usage.ru_maxrss) / 1024
}

func randomTokens(_ count: Int, _ random: inout SeededRandom) -> [Int32] {
    (0..<count).map { _ in Int32(random.next() % 256) }
}

/// sgemm GFLOP/s over the forward products of one training step, weighted by their FLOPs; each product's rate is
/// the best of five timings, since a shared machine only ever slows a measurement down.
func sgemmPeak(_ config: GPTConfig, threads: Int) -> Double {
    BLAS.threadCount = threads
    let rows = trainBatch * config.contextLength
    let c = config.embeddingSize
    let shapes = [
        (3 * c, c, config.layerCount), (c, c, config.layerCount), (4 * c, c, config.layerCount),
        (c, 4 * c, config.layerCount), (config.vocabularySize, c, 1),
    ]
    var flops = 0.0
    var time = 0.0
    for (n, k, count) in shapes {
        let rate = (0..<5).map { _ in BLAS.measureLinearProduct(m: rows, n: n, k: k, minimumSeconds: 0.1) }.max()!
        let work = 2.0 * Double(rows * n * k * count)
        print(String(format: "sgemm: m=%d n=%d k=%d  %.1f GFLOP/s", rows, n, k, rate))
        flops += work
        time += work / (rate * 1e9)
    }
    return flops / time / 1e9
}

func runBenchmark(_ options: Options) throws {
    let config = options.config
    let model = try GPT(config: config, seed: options.seed, threadCount: options.threads)
    let optimizer = AdamW(model: model)
    print("fulmen: preset \(options.preset) \(config) threads=\(options.threads) blas=\(BLAS.coreName)")
    print("params=\(model.parameterCount) train_flops_per_token=\(config.trainingFLOPsPerToken)")

    var random = SeededRandom(seed: options.seed)
    let batches = try (0..<(trainWarmup + trainSteps)).map { _ in
        try TrainingBatch.languageModeling(
            sequences: (0..<trainBatch).map { _ in randomTokens(config.contextLength + 1, &random) })
    }
    let clock = ContinuousClock()
    var stepTimes: [Double] = []
    var losses: [Float] = []
    for (step, batch) in batches.enumerated() {
        let start = clock.now
        model.zeroGradients()
        losses.append(try model.accumulateGradients(for: batch))
        optimizer.update(model, learningRate: learningRate)
        if step >= trainWarmup { stepTimes.append(seconds(clock.now - start)) }
    }
    let total = stepTimes.reduce(0, +)
    let tokens = Double(trainBatch * config.contextLength * trainSteps)
    let trainTokensPerSecond = tokens / total
    let trainGFLOPs = Double(config.trainingFLOPsPerToken) * tokens / total / 1e9
    print(
        String(
            format: "train: batch=%d ctx=%d warmup=%d steps=%d time=%.3fs step_median=%.1fms loss first=%.4f last=%.4f",
            trainBatch, config.contextLength, trainWarmup, trainSteps, total, median(stepTimes) * 1e3,
            losses.first!, losses.last!))
    print(String(format: "train: tok/s=%.1f  GFLOP/s=%.2f", trainTokensPerSecond, trainGFLOPs))

    var generationRates: [Int: Double] = [:]
    for batch in generationBatches {
        var times: [Double] = []
        for repetition in 0..<(generationWarmup + generationRepetitions) {
            let requests = (0..<batch).map { i in
                GenerationRequest(
                    prompt: randomTokens(promptLength, &random), maxNewTokens: generatedLength,
                    sampling: SamplingParameters(temperature: 1, seed: UInt64(repetition * 1000 + i)))
            }
            let start = clock.now
            let results = try model.generate(requests)
            let elapsed = seconds(clock.now - start)
            precondition(results.allSatisfy { $0.tokens.count == generatedLength }, "short generation")
            if repetition >= generationWarmup { times.append(elapsed) }
        }
        let rate = Double(batch * generatedLength) / median(times)
        generationRates[batch] = rate
        print(
            String(
                format: "gen: batch=%d prompt=%d new=%d: median %.1fms over %d (%@) -> %.1f tok/s", batch,
                promptLength, generatedLength, median(times) * 1e3, generationRepetitions,
                times.map { String(format: "%.1f", $0 * 1e3) }.joined(separator: ", "), rate))
    }
    print(
        String(
            format:
                "preset=%@ threads=%d train_tok_s=%.1f train_gflops=%.2f gen_tok_s_b1=%.1f gen_tok_s_b16=%.1f params=%d peak_rss_mb=%.1f",
            options.preset, options.threads, trainTokensPerSecond, trainGFLOPs, generationRates[1]!,
            generationRates[16]!, model.parameterCount, peakResidentMegabytes()))
}

let options = Options(CommandLine.arguments)
switch options.command {
case "sgemm":
    let peak = sgemmPeak(options.config, threads: options.threads)
    print(String(format: "preset=%@ threads=%d sgemm_gflops=%.2f", options.preset, options.threads, peak))
default:
    do {
        try runBenchmark(options)
    } catch {
        fail("\(error)")
    }
}
