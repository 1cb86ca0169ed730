import Foundation

/// What to measure: one command per side-by-side figure (see main.swift).
enum Command: String, CaseIterable {
    case infer, lora, sgemm, logits, tokenizer
}

/// The command line of LLMBenchmark: a command, then `--flag value` pairs. The defaults are the benchmark's
/// protocol; run.sh passes the same values to the Python references.
struct Options {
    var command = Command.infer
    var model = ""
    var reference = ""
    var threads = 1
    /// Prefill: the prompt's length in tokens.
    var promptLength = 512
    /// Decoding: each sequence's prompt length and the tokens generated after it.
    var decodePromptLength = 32
    var newTokens = 64
    var batches = [1, 16, 32]
    var repeats = 3
    /// LoRA training: sequences per step, tokens per sequence, adapter rank, steps.
    var trainBatch = 4
    var trainLength = 128
    var rank = 16
    var warmupSteps = 2
    var steps = 8

    init(_ arguments: [String]) {
        var rest = arguments.dropFirst()
        guard let first = rest.popFirst(), let command = Command(rawValue: first) else {
            fail("usage: LLMBenchmark \(Command.allCases.map(\.rawValue).joined(separator: "|")) --model GGUF ...")
        }
        self.command = command
        while let flag = rest.popFirst() {
            guard let value = rest.popFirst() else { fail("missing value for \(flag)") }
            func integer() -> Int {
                guard let n = Int(value), n > 0 else { fail("\(flag) needs a positive integer, got '\(value)'") }
                return n
            }
            switch flag {
            case "--model": model = value
            case "--reference": reference = value
            case "--threads": threads = integer()
            case "--prompt": promptLength = integer()
            case "--decode-prompt": decodePromptLength = integer()
            case "--new": newTokens = integer()
            case "--batches":
                batches = value.split(separator: ",").map { Int($0) ?? 0 }
                guard !batches.isEmpty, batches.allSatisfy({ $0 > 0 }) else { fail("--batches: '\(value)'") }
            case "--repeats": repeats = integer()
            case "--batch": trainBatch = integer()
            case "--length": trainLength = integer()
            case "--rank": rank = integer()
            case "--warmup": warmupSteps = integer()
            case "--steps": steps = integer()
            default: fail("unknown option \(flag)")
            }
        }
        guard !model.isEmpty else { fail("--model GGUF is required") }
        if [.logits, .tokenizer].contains(command), reference.isEmpty { fail("--reference is required") }
        if newTokens < 2 { fail("--new must be at least 2 (decode rates subtract a one-token run)") }
    }
}

/// Prints the message to standard error and exits with status 2.
func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("LLMBenchmark: \(message)\n".utf8))
    exit(2)
}
