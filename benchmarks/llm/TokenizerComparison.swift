import Foundation
import ModelFiles
import Tokenizers

/// Fulmen's tokenizer against llama.cpp's on the same GGUF: the corpus of Tests/TokenizersTests/Fixtures/
/// tokenizer-golden.json, each string encoded with special tokens parsed and with their text left as text. The
/// reference is llamacpp_reference.py's `tokenize` output (`cases`: `text`, `ids`, `idsVerbatim`); a string counts
/// once per mode whose ids differ.
struct TokenizerComparison {
    let options: Options

    init(_ options: Options) {
        self.options = options
    }

    struct Reference: Decodable {
        struct Case: Decodable {
            var text: String
            var ids: [Int32]
            var idsVerbatim: [Int32]
        }
        var cases: [Case]
    }

    func run() throws {
        let reference = try JSONDecoder().decode(
            Reference.self, from: try Data(contentsOf: URL(fileURLWithPath: options.reference)))
        let tokenizer = try ByteLevelBPETokenizer(gguf: try GGUFFile(path: options.model))
        var parsed = 0
        var verbatim = 0
        for item in reference.cases {
            if tokenizer.encode(item.text, parsingSpecialTokens: true) != item.ids {
                parsed += 1
                if parsed <= 5 { print("mismatch (special tokens parsed): \(item.text.debugDescription.prefix(120))") }
            }
            if tokenizer.encode(item.text, parsingSpecialTokens: false) != item.idsVerbatim {
                verbatim += 1
                if verbatim <= 5 { print("mismatch (verbatim): \(item.text.debugDescription.prefix(120))") }
            }
        }
        print(
            "tokenizer: \(reference.cases.count) strings, \(parsed) differ with special tokens parsed, "
                + "\(verbatim) verbatim")
        print("tokenizer_mismatches=\(parsed + verbatim) strings=\(reference.cases.count)")
    }
}
