import Foundation
import FulmenLlama
import FulmenModel
import ModelFiles

/// Fulmen's logits against llama.cpp's on the same F32-dequantised GGUF (so both compute with the same Float32
/// weights): for each prompt and compared position, the largest |Fulmen − llama.cpp| over the vocabulary divided by
/// the llama.cpp row's range (max − min), as Tests/FulmenLlamaTests/BundledModelLogitsTests measures it; the
/// figure is the largest over all compared rows.
///
/// The reference is llamacpp_reference.py's `logits` output: DIR/logits.json (`vocabulary`, and `prompts`, each
/// with `tokens` and `positions`) and DIR/logits.f32 (the rows, little-endian Float32, prompt by prompt).
struct LogitsComparison {
    let options: Options

    init(_ options: Options) {
        self.options = options
    }

    struct Reference: Decodable {
        struct Prompt: Decodable {
            var tokens: [Int32]
            var positions: [Int]
        }
        var vocabulary: Int
        var prompts: [Prompt]
    }

    func run() throws {
        let jsonPath = options.reference + "/logits.json"
        let rowsPath = options.reference + "/logits.f32"
        let reference = try JSONDecoder().decode(
            Reference.self, from: try Data(contentsOf: URL(fileURLWithPath: jsonPath)))
        let data = try Data(contentsOf: URL(fileURLWithPath: rowsPath))
        let expectedRows = reference.prompts.reduce(0) { $0 + $1.positions.count }
        guard data.count == expectedRows * reference.vocabulary * 4 else {
            throw BenchmarkError.badReference(
                path: rowsPath,
                reason: "\(data.count) bytes, expected \(expectedRows) rows of \(reference.vocabulary) floats")
        }
        let rows = data.withUnsafeBytes { raw in
            (0..<(data.count / 4)).map {
                Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self)))
            }
        }
        let model = try Llama(
            gguf: try GGUFFile(path: options.model), threadCount: options.threads, decodingWeights: .float32)
        guard model.config.vocabularySize == reference.vocabulary else {
            throw BenchmarkError.badReference(
                path: jsonPath,
                reason: "vocabulary \(reference.vocabulary), the model has \(model.config.vocabularySize)")
        }
        let v = reference.vocabulary
        var row = 0
        var worst = 0.0
        for (p, prompt) in reference.prompts.enumerated() {
            let ours = try model.logits(for: prompt.tokens).scalars
            var promptWorst = 0.0
            for position in prompt.positions {
                let theirs = rows[(row * v)..<((row + 1) * v)]
                let range = Double(theirs.max()! - theirs.min()!)
                var largest = 0.0
                for i in 0..<v {
                    largest = max(largest, Double(abs(ours[position * v + i] - theirs[theirs.startIndex + i])))
                }
                promptWorst = max(promptWorst, largest / max(range, 1e-6))
                row += 1
            }
            print(
                String(
                    format: "logits: prompt %d (%d tokens, %d positions): max error %.2e of the row's range", p,
                    prompt.tokens.count, prompt.positions.count, promptWorst))
            worst = max(worst, promptWorst)
        }
        print(String(format: "logits_max_rel_err=%.3e rows=%d", worst, row))
    }
}
