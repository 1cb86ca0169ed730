import Foundation
import Tokenizers

/// The real tokenizer the golden tests run, and the golden files, in one place.
///
/// Until the GGUF reader is wired in, the tokenizer is SmolLM2-135M-Instruct's, loaded from the tokenizer.json that
/// scripts/golden/tokenizer-golden.py builds from the GGUF: `$FULMEN_TOKENIZER_JSON`, else
/// /work/models/smollm2-tokenizer.json (with the tokenizer_config.json beside it when there is one).
enum TokenizerFixture {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    static let tokenizerJSON = URL(
        fileURLWithPath: ProcessInfo.processInfo.environment["FULMEN_TOKENIZER_JSON"]
            ?? "/work/models/smollm2-tokenizer.json")

    static var configJSON: URL {
        tokenizerJSON.deletingLastPathComponent().appendingPathComponent(
            tokenizerJSON.lastPathComponent.replacingOccurrences(of: "tokenizer.json", with: "tokenizer_config.json"))
    }

    /// Whether the real tokenizer is on this machine (tests that need it are skipped, saying so, when not).
    static var isAvailable: Bool { FileManager.default.fileExists(atPath: tokenizerJSON.path) }

    /// SmolLM2's tokenizer, and how long loading it took.
    static func load() throws -> (ByteLevelBPETokenizer, seconds: Double) {
        let start = ContinuousClock.now
        let config = try? Data(contentsOf: configJSON)
        let tokenizer = try ByteLevelBPETokenizer(
            huggingFaceJSON: try Data(contentsOf: tokenizerJSON),
            config: try config.map { try HuggingFaceTokenizerConfig(json: $0) })
        let elapsed = ContinuousClock.now - start
        return (tokenizer, Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18)
    }

    /// One string of the golden corpus and what `tokenizers` made of it.
    struct Case: Decodable {
        let text: String
        /// Ids with special tokens parsed.
        let ids: [Int32]
        /// Ids with special-token text left as text, where they differ from `ids`.
        let idsVerbatim: [Int32]?
        /// The decoded ids, where they differ from `text` (bytes without a token are dropped).
        let decoded: String?
        /// Piece lengths, in Unicode scalars, of GPT-2's and Llama 3's pre-tokenizer splits.
        let gpt2: [Int]
        let llama3: [Int]
    }

    private struct Golden: Decodable { let cases: [Case] }

    static func goldenCases() throws -> [Case] {
        try JSONDecoder().decode(Golden.self, from: Data(contentsOf: fixtures.appendingPathComponent("tokenizer-golden.json")))
            .cases
    }
}
