import Foundation
import FulmenModel
import ModelFiles
import Testing

@testable import FulmenLlama

/// PEFT adapters saved in F16 and BF16 (Fixtures/lora-reference-f16 and -bf16, made by
/// scripts/golden/lora-half-adapters.py with torch from the F32 reference adapter): read exactly, and the adapted
/// logits still those of the numpy golden within the rounding the 16-bit values bring.
@Suite struct LoRAHalfPrecisionTests {
    static let fixtures = LoRAPEFTTests.fixtures

    /// `value` rounded to bfloat16 (to nearest, ties to even), as torch rounds it.
    static func bfloat16(_ value: Float) -> Float {
        let bits = value.bitPattern
        return Float(bitPattern: (bits &+ 0x7FFF &+ ((bits >> 16) & 1)) & 0xFFFF_0000)
    }

    /// The F32 reference adapter's tensors, by PEFT name.
    static func referenceTensors() throws -> [String: Tensor] {
        try LlamaTestSupport.tensors(
            [UInt8](try Data(contentsOf: fixtures.appendingPathComponent("lora-reference/adapter_model.safetensors"))))
    }

    /// Loads each 16-bit adapter onto the tiny reference model and checks every A and B against the F32 adapter
    /// rounded as torch rounds it (bit for bit), then the logits against the numpy golden: within 2e-4 for F32 (as
    /// LoRAPEFTTests), here within 2e-2 for F16 and 1e-1 for BF16, the shift their rounding of the adapter alone
    /// makes (measured: printed).
    @Test(arguments: [("f16", Float(2e-2)), ("bf16", Float(1e-1))])
    func test_halfPrecisionAdapter_shouldLoadAsTorchRoundedIt(dtype: String, tolerance: Float) throws {
        let reference = try Self.referenceTensors()
        func round(_ value: Float) -> Float {
            dtype == "f16" ? HalfPrecision.float(half: HalfPrecision.half(value)) : Self.bfloat16(value)
        }
        var weights = try LlamaReferenceTests.tensors()
        weights["tokens"] = nil
        weights["logits"] = nil
        let model = try Llama(config: LlamaTestSupport.tiny, weights: weights)
        let adapters = try model.loadAdapters(from: Self.fixtures.appendingPathComponent("lora-reference-\(dtype)"))
        // What we export is the adapter as loaded: F32 values that are the 16-bit ones widened.
        let exported = try LlamaTestSupport.tensors(try model.exportAdapters(baseModel: "fulmen/llama-reference-tiny").weights)
        #expect(exported.count == reference.count)
        for (name, tensor) in reference {
            let loaded = try #require(exported[name], "\(name) missing from the export")
            #expect(loaded.shape == tensor.shape)
            #expect(loaded.scalars == tensor.scalars.map(round), "\(name) is not the \(dtype) rounding of the F32 adapter")
        }
        #expect(adapters.config.rank == 4)

        let expected = try LlamaTestSupport.tensors(
            [UInt8](try Data(contentsOf: Self.fixtures.appendingPathComponent("lora-reference/expected.safetensors"))))
        let tokens = expected["tokens"]!.scalars.map { Int32($0) }
        let logits = try model.logits(for: tokens)
        let difference = zip(logits.scalars, expected["logits"]!.scalars).map { abs($0 - $1) }.max()!
        print("LoRA \(dtype) adapter: largest logit difference from the F32 golden \(difference)")
        #expect(difference < tolerance)
        #expect(difference > 0, "a 16-bit adapter should round some value")
    }

    /// A tensor of a dtype that is not a float (I32 here) is refused by name.
    @Test func test_integerTensor_shouldBeRefusedByName() throws {
        let model = try LoRAModelTests.adaptedModel(seed: 54)
        var files = try model.exportAdapters(baseModel: "base")
        let name = Llama.peftTensorName(layer: 0, target: .query, "A")
        let header = String(decoding: files.weights.prefix(4096), as: UTF8.self)
        let f32 = "\"\(name)\":{\"dtype\":\"F32\""
        let range = try #require(header.range(of: f32))
        let start = header.utf8.distance(from: header.startIndex, to: range.lowerBound) + f32.utf8.count - 4
        files.weights.replaceSubrange(start..<(start + 3), with: Array("I32".utf8))
        let fresh = try LlamaTestSupport.model(seed: 54)
        let error = #expect(throws: LoRAError.self) { try fresh.importAdapters(files) }
        #expect(error == .tensorDType(name: name, dtype: "I32"))
        #expect(error?.description.contains("only F32, F16 and BF16") == true)
        #expect(fresh.adapters == nil)
    }
}
