public import Foundation
import FulmenLlama
import FulmenModel
public import ModelFiles

/// A trained policy's weights (a trainer's checkpoint, or a weights resource) written where other tools read them:
/// LoRA adapters as PEFT's directory, which `peft` applies to the Hugging Face model, and a pretrained model with its
/// training folded in as a GGUF file, which llama.cpp, Ollama and LM Studio run.
public enum PolicyExport {
    /// Writes `fulmen-lora` weights as PEFT's `adapter_config.json` and `adapter_model.safetensors` in `directory`
    /// (created if needed). The tensors are already PEFT's (q and k rows in Hugging Face's order), so no model is read.
    ///
    /// - Throws: ``PolicyError`` when the weights are not adapters or a file cannot be written.
    public static func peft(weights image: [UInt8], to directory: URL) throws(PolicyError) {
        let described = try PolicyWeights(describing: image)
        guard described.format == .lora else {
            throw .invalidWeights(reason: "they hold a whole \(described.format == .gpt ? "GPT" : "model"), not LoRA adapters")
        }
        let files = described.adapterFiles(image)
        let tensors: [UInt8]
        do {
            tensors = try Safetensors.addingMetadata(["format": "pt"], to: files.weights, replacing: true)
        } catch {
            throw .invalidWeights(reason: error.message)
        }
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            for (name, bytes) in [(PEFTAdapterFiles.configName, files.config), (PEFTAdapterFiles.weightsName, tensors)] {
                try Data(bytes).write(to: directory.appendingPathComponent(name), options: .atomic)
            }
        } catch {
            throw .invalidAdapters(reason: "cannot write \(directory.path): \(error.localizedDescription)")
        }
    }

    /// Writes the model of pretrained weights as a GGUF file at `path`: a whole fine-tuned model as it is, adapters
    /// merged into their base. The base's GGUF metadata (tokenizer, chat template, names) is carried over, so the
    /// base must be a GGUF file.
    ///
    /// - Throws: ``PolicyError`` naming what failed: a GPT, a base that is not GGUF or not on this host, writing.
    public static func gguf(
        weights image: [UInt8], to path: String, format: GGUFWriter.FloatFormat, threads: Int
    ) throws(PolicyError) {
        let described = try PolicyWeights(describing: image)
        guard let reference = described.base else {
            throw .invalidWeights(reason: "a GPT has no GGUF form: export the weights of a pretrained model")
        }
        let files = try reference.open()
        guard case .gguf(let source) = files.source else {
            throw .unreadableModel(reference, reason: "GGUF export carries a GGUF base's tokenizer; this base is \(files.source)")
        }
        let metadata: GGUFMetadata
        do {
            metadata = try GGUFFile(path: source).metadata
        } catch {
            throw .unreadableModel(reference, reason: "\(error)")
        }
        let model: Llama
        if described.format == .lora {
            model = try files.model(threads: threads, reference: reference)
            do {
                try model.importAdapters(described.adapterFiles(image))
                try model.mergeAdapters()
            } catch {
                throw .invalidAdapters(reason: "\(error)")
            }
        } else {
            guard let whole = try described.wholeModel(image, threads: threads) as? Llama else {
                throw .invalidWeights(reason: "they are not a Llama-family model")
            }
            model = whole
        }
        do {
            try model.exportGGUF(to: path, format: format, metadata: metadata)
        } catch {
            throw .invalidWeights(reason: "cannot export: \(error)")
        }
    }
}
