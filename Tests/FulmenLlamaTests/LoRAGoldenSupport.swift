import Foundation
import FulmenModel
import ModelFiles
import Testing

@testable import FulmenLlama

/// What the golden tests against PyTorch/peft and llama.cpp share: the seeded adapter on the bundled model, the
/// prompts, the golden files' shape (top-k logits per position), the comparison, and running a reference script.
enum LoRAGolden {
    /// The seeded adapter: rank 4, alpha 8, on all seven targets of every block; A as PEFT initialises it (seeded),
    /// B normal with std ``bScale`` (seeded), as if trained, so that it moves the logits by several units.
    static let seed: UInt64 = 20_261_208
    static let lora = LoRAConfig(rank: 4, alpha: 8, targets: Set(LoRATarget.allCases))
    static let bScale: Float = 0.04

    /// Three short ChatML prompts of the bundled model (token ids from Fixtures/llm-logits.json).
    static let prompts: [[Int32]] = [
        [1, 9690, 198, 2683, 359, 253, 5356, 5646, 11173, 3365, 3511, 308, 34519, 28, 7018, 411, 407, 19712, 8182, 2, 198,
         1, 4093, 198],
        [1, 4093, 198, 49, 6434, 26064, 216, 39, 41, 10155, 351, 216, 35, 41, 24193, 971, 284, 216, 33, 38, 36, 540, 24193,
         30, 1073, 800, 24193],
        [1, 4093, 198, 1780, 314, 216, 33, 36, 33, 1672, 216, 37, 40, 47, 2, 198, 1, 520, 9531, 198, 19746, 1743, 6100,
         1844],
    ]
    /// The (id, logit) pairs kept per position.
    static let top = 20

    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")
    static let scripts = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("scripts/golden")

    /// Attaches the seeded adapter to `model` and returns it.
    @discardableResult
    static func attach(to model: Llama) throws -> LoRAAdapters {
        print("LoRA golden adapter: seed \(seed)")
        let adapters = try model.attachAdapters(lora, seed: seed)
        var random = SeededRandom(seed: seed &+ 1)
        for site in adapters.layout.sites {
            for i in 0..<(site.outputSize * lora.rank) { adapters.parameters.base[site.b + i] = bScale * random.nextGaussian() }
        }
        return adapters
    }

    /// The CRC-32 of the adapter's `adapter_model.safetensors` as Fulmen exports it: golden files record the one
    /// they were made with.
    static func crc32(of files: PEFTAdapterFiles) -> UInt32 {
        files.weights.withUnsafeBytes { CRC32.checksum($0) }
    }

    /// The request the reference scripts read.
    static func request(adapterCRC32: UInt32) throws -> Data {
        let object: [String: Any] = [
            "prompts": prompts.map { $0.map(Int.init) }, "top": top, "adapter_crc32_fulmen": adapterCRC32,
            "adapter_seed": seed, "adapter": "rank 4, alpha 8, all 7 targets, B std \(bScale)",
        ]
        return try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
    }

    /// One prompt's reference: per position, the top (id, logit) pairs, largest first.
    struct PromptTop: Decodable {
        var tokens: [Int32]
        var top: [[[Double]]]
    }

    /// How far Fulmen's logits are from a reference's top-k, over every position of every prompt.
    struct Comparison: CustomStringConvertible {
        /// The largest |ours − reference| over the compared logits.
        var maxAbsolute = 0.0
        /// The largest |ours − reference| divided by the reference's top-k range at that position.
        var maxRelativeToRange = 0.0
        var compared = 0
        /// Positions whose argmax differs from the reference's beyond a near-tie (within `tieMargin`).
        var top1Mismatches: [String] = []

        var description: String {
            "\(compared) logits, max |difference| \(String(format: "%.2e", maxAbsolute)), "
                + "max relative to the top-\(LoRAGolden.top) range \(String(format: "%.2e", maxRelativeToRange)), "
                + "\(top1Mismatches.count) top-1 mismatches"
        }
    }

    /// Compares logits (T, V) for `tokens` with a reference's top-k at every position.
    static func compare(
        _ logits: Tensor, with reference: PromptTop, into comparison: inout Comparison, label: String,
        tieMargin: Double
    ) {
        let v = logits.shape[1]
        for (position, top) in reference.top.enumerated() {
            let row = logits.scalars[(position * v)..<((position + 1) * v)]
            let pairs = top.map { (id: Int($0[0]), logit: $0[1]) }
            let range = max(pairs[0].logit - pairs[pairs.count - 1].logit, 1)
            for (id, logit) in pairs {
                let difference = abs(Double(row[row.startIndex + id]) - logit)
                comparison.maxAbsolute = max(comparison.maxAbsolute, difference)
                comparison.maxRelativeToRange = max(comparison.maxRelativeToRange, difference / range)
                comparison.compared += 1
            }
            let ours = row.indices.max { row[$0] < row[$1] }! - row.startIndex
            let oursInReference = pairs.first { $0.id == ours }?.logit ?? -.infinity
            if ours != pairs[0].id && pairs[0].logit - oursInReference > tieMargin {
                comparison.top1Mismatches.append("\(label) position \(position): \(ours) vs \(pairs[0].id)")
            }
        }
    }

    /// The largest difference between two references' top-k logits at the same ids (how far the adapter moves
    /// them), over positions where both list the id.
    static func largestShift(_ a: [PromptTop], _ b: [PromptTop]) -> Double {
        var largest = 0.0
        for (x, y) in zip(a, b) {
            for (rowX, rowY) in zip(x.top, y.top) {
                let other = Dictionary(rowY.map { (Int($0[0]), $0[1]) }, uniquingKeysWith: { first, _ in first })
                for pair in rowX { if let logit = other[Int(pair[0])] { largest = max(largest, abs(pair[1] - logit)) } }
            }
        }
        return largest
    }

    /// A temporary directory, removed by the caller.
    static func temporaryDirectory(_ name: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("fulmen-\(name)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Runs `python script arguments…` and returns its standard error (progress); a failure is an error with its
    /// output.
    static func runScript(python: String, script: String, arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [scripts.appendingPathComponent(script).path] + arguments
        var environment = ProcessInfo.processInfo.environment
        environment["OMP_NUM_THREADS"] = "2"
        process.environment = environment
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let output = String(decoding: data, as: UTF8.self)
        guard process.terminationStatus == 0 else {
            throw ScriptFailure(description: "\(script) exited with \(process.terminationStatus):\n\(output.suffix(4000))")
        }
        return output
    }

    struct ScriptFailure: Error, CustomStringConvertible {
        let description: String
    }

    /// With `FULMEN_WRITE_GOLDEN=1`, copies a live run's output over the committed golden file.
    static func keepAsGolden(_ output: URL, name: String) throws {
        guard ProcessInfo.processInfo.environment["FULMEN_WRITE_GOLDEN"] == "1" else { return }
        let golden = fixtures.appendingPathComponent(name)
        try? FileManager.default.removeItem(at: golden)
        try FileManager.default.copyItem(at: output, to: golden)
        print("wrote \(golden.path)")
    }
}
