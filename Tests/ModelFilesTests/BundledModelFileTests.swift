import Foundation
import ModelTestSupport
import Testing

@testable import ModelFiles

/// The bundled SmolLM2-135M-Instruct GGUF read for real: its architecture, tensors and some dequantised rows,
/// against Fixtures/smollm2-rows.json (made from the same file by the `gguf` Python package:
/// scripts/golden/dequant-fixtures.py).
@Suite(.disabled(if: RealModel.skipped, Comment(rawValue: RealModel.skipReason)))
struct BundledModelFileTests {
    @Test func theFileHoldsTheLlamaArchitectureTheNotesDescribe() throws {
        let started = ContinuousClock.now
        let file = try GGUFFile(path: try RealModel.path())
        let opened = ContinuousClock.now - started
        print("BundledModelFileTests: opened and checked \(file.path) (\(file.tensors.count) tensors) in \(opened)")
        let golden = try Fixtures.json("smollm2-rows.json")
        let expected = try #require(golden["metadata"] as? [String: Any])
        let metadata = file.metadata
        #expect(file.version == 3)
        #expect(try metadata.string("general.architecture") == "llama")
        #expect(try metadata.integer("llama.block_count") == 30)
        #expect(try metadata.integer("llama.embedding_length") == 576)
        #expect(try metadata.integer("llama.attention.head_count") == 9)
        #expect(try metadata.integer("llama.attention.head_count_kv") == 3)
        #expect(try metadata.integer("llama.feed_forward_length") == 1536)
        #expect(try metadata.integer("llama.context_length") == 8192)
        #expect(try metadata.real("llama.rope.freq_base") == 100_000)
        #expect(
            try metadata.real("llama.attention.layer_norm_rms_epsilon")
                == expected["llama.attention.layer_norm_rms_epsilon"] as? Double)
        #expect(try metadata.string("tokenizer.ggml.model") == "gpt2")
        #expect(metadata.keys.count == expected["key_count"] as? Int)

        let tokens = try metadata.strings("tokenizer.ggml.tokens")
        let merges = try metadata.strings("tokenizer.ggml.merges")
        #expect(tokens.count == 49152)
        #expect(merges.count == 48900)
        for (index, token) in try #require(expected["tokens_sample"] as? [String: String]) {
            #expect(tokens[try #require(Int(index))] == token, "token \(index)")
        }
        for (index, merge) in try #require(expected["merges_sample"] as? [String: String]) {
            #expect(merges[try #require(Int(index))] == merge, "merge \(index)")
        }
        #expect(tokens.contains("<|im_start|>") && tokens.contains("<|im_end|>"))

        #expect(file.tensors.count == 272)
        var types: [String: Int] = [:]
        for tensor in file.tensors { types[tensor.type.name, default: 0] += 1 }
        #expect(types == golden["tensor_types"] as? [String: Int])
        #expect(types == ["Q4_1": 210, "F32": 61, "Q8_0": 1])
        #expect(file.info(named: "output.weight") == nil, "the LM head is tied to token_embd.weight")
        for (name, shape) in try #require(golden["shapes"] as? [String: [Int]]) {
            #expect(file.info(named: name)?.dimensions == shape, "\(name)")
        }
        #expect(file.info(named: "blk.0.attn_k.weight")?.dimensions == [576, 192])
        #expect(file.info(named: "token_embd.weight")?.type == .q8_0)
        #expect(file.info(named: "blk.29.ffn_down.weight")?.type == .q4_1)
        #expect(file.info(named: "blk.29.ffn_norm.weight")?.type == .f32)
    }

    /// Exact equality with `gguf.quants.dequantize` on rows of the Q8_0 embedding and a Q4_1 projection.
    @Test func dequantisedRowsMatchTheReferenceBitForBit() throws {
        let file = try GGUFFile(path: try RealModel.path())
        let golden = try Fixtures.json("smollm2-rows.json")
        let rows = try #require(golden["rows"] as? [[String: Any]])
        #expect(rows.count >= 8)
        for entry in rows {
            let name = try #require(entry["tensor"] as? String)
            let index = try #require(entry["row"] as? Int)
            let expected = try floats(hex: try #require(entry["expected"] as? String))
            let tensor = try file.tensor(named: name)
            #expect(tensor.info.type.name == entry["type"] as? String)
            var row = [Float](repeating: .nan, count: tensor.info.rowLength)
            try row.withUnsafeMutableBufferPointer { try tensor.dequantize(row: index, into: $0) }
            #expect(row.map(\.bitPattern) == expected.map(\.bitPattern), "\(name) row \(index)")
        }
    }

    /// Every tensor dequantises, to finite values (the whole model, about 135M values).
    @Test func everyTensorDequantisesToFiniteValues() throws {
        let file = try GGUFFile(path: try RealModel.path())
        var total = 0
        var elapsed = Duration.zero
        for info in file.tensors {
            let started = ContinuousClock.now
            let values = try file.tensor(named: info.name).dequantized()
            elapsed += ContinuousClock.now - started
            total += values.count
            let finite = values.withUnsafeBufferPointer { buffer in
                var sum: Float = 0
                for value in buffer { sum += value * 0 }
                return sum == 0  // NaN or infinity times zero is NaN
            }
            #expect(finite, "\(info.name)")
        }
        print("BundledModelFileTests: dequantised \(total) values in \(elapsed) (ModelFiles is optimised in debug too)")
        #expect(total > 134_000_000)
    }
}
