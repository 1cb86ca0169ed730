import Foundation
import ModelTestSupport
import Tokenizers

/// The real tokenizer the golden tests run, and the golden files, in one place.
///
/// The tokenizer is SmolLM2-135M-Instruct's, read from the bundled GGUF (``RealModel``). Its Hugging Face form,
/// tokenizer.json and tokenizer_config.json, is made from the same file by `tokenizers` itself
/// (scripts/golden/tokenizer-golden.py --tokenizer-only; python3 with `gguf` and `tokenizers`,
/// scripts/test-requirements.txt).
enum TokenizerFixture {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// SmolLM2's tokenizer from the GGUF, and how long reading it took.
    static func load() throws -> (ByteLevelBPETokenizer, seconds: Double) {
        let file = try RealModel.file()
        let start = ContinuousClock.now
        let tokenizer = try ByteLevelBPETokenizer(gguf: file)
        return (tokenizer, seconds(since: start))
    }

    /// SmolLM2's tokenizer from the tokenizer.json `tokenizers` wrote for it, and how long loading it took.
    static func loadHuggingFace() throws -> (ByteLevelBPETokenizer, seconds: Double) {
        let directory = try huggingFaceDirectory.get()
        let start = ContinuousClock.now
        let config = try HuggingFaceTokenizerConfig(json: try Data(contentsOf: directory.appendingPathComponent("tokenizer_config.json")))
        let tokenizer = try ByteLevelBPETokenizer(
            huggingFaceJSON: try Data(contentsOf: directory.appendingPathComponent("tokenizer.json")), config: config)
        return (tokenizer, seconds(since: start))
    }

    /// A directory holding the tokenizer files made from the GGUF, made once per test process.
    private static let huggingFaceDirectory = Result { () throws -> URL in
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("fulmen-tokenizer-\(UUID().uuidString)")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "python3", repository.appendingPathComponent("scripts/golden/tokenizer-golden.py").path, try RealModel.path(),
            "--hf-dir", directory.path, "--tokenizer-only",
        ]
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw RealModel.Missing(
                description: "scripts/golden/tokenizer-golden.py could not write the tokenizer.json (exit "
                    + "\(process.terminationStatus)): python3 -m pip install -r scripts/test-requirements.txt")
        }
        return directory
    }

    private static func seconds(since start: ContinuousClock.Instant) -> Double {
        let elapsed = ContinuousClock.now - start
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
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
