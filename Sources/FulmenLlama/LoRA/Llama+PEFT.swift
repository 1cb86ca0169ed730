public import Foundation
import FulmenModel
import ModelFiles

/// A LoRA adapter as PEFT saves it: `adapter_config.json` and `adapter_model.safetensors`.
public struct PEFTAdapterFiles: Sendable, Equatable {
    /// The configuration file's name in an adapter directory.
    public static let configName = "adapter_config.json"
    /// The weights file's name in an adapter directory.
    public static let weightsName = "adapter_model.safetensors"

    /// The bytes of `adapter_config.json`.
    public var config: [UInt8]
    /// The bytes of `adapter_model.safetensors`.
    public var weights: [UInt8]

    public init(config: [UInt8], weights: [UInt8]) {
        self.config = config
        self.weights = weights
    }
}

/// Adapters in PEFT's layout, so that `PeftModel.from_pretrained(base, directory)` loads what we train and we load
/// what PEFT trains: tensors `base_model.model.model.layers.{i}.self_attn.q_proj.lora_A.weight` (r, in) and
/// `….lora_B.weight` (out, r), written Float32 (read F32, F16 or BF16), in Hugging Face's row order (``RotaryRowOrder``: the B of q and k is
/// un-permuted on export and permuted on import).
extension Llama {
    /// PEFT's name of block `layer`'s `target` adapter's A (`which` = "A") or B.
    public static func peftTensorName(layer: Int, target: LoRATarget, _ which: String) -> String {
        "base_model.model.model.layers.\(layer).\(target.modulePath).lora_\(which).weight"
    }

    /// The attached adapters as PEFT's two files.
    ///
    /// - Parameter baseModel: `base_model_name_or_path`, e.g. `HuggingFaceTB/SmolLM2-135M-Instruct`.
    /// - Throws: ``LoRAError/noAdapters``.
    public func exportAdapters(baseModel: String) throws(LoRAError) -> PEFTAdapterFiles {
        guard let adapters else { throw .noAdapters }
        let r = adapters.config.rank
        var tensors: [(name: String, shape: [Int], values: [Float])] = []
        for site in adapters.layout.sites {
            let a = adapters.parameters.copy(offset: site.a, count: r * site.inputSize)
            var b = adapters.parameters.copy(offset: site.b, count: site.outputSize * r)
            if site.target == .query || site.target == .key {
                b = RotaryRowOrder.toHuggingFace(b, rows: site.outputSize, width: r, headSize: config.headSize)
            }
            tensors.append((Self.peftTensorName(layer: site.layer, target: site.target, "A"), [r, site.inputSize], a))
            tensors.append((Self.peftTensorName(layer: site.layer, target: site.target, "B"), [site.outputSize, r], b))
        }
        let weights = withBuffers(tensors) { Safetensors.encode(tensors: $0, metadata: ["format": "pt"]) }
        return PEFTAdapterFiles(
            config: PEFTAdapterConfig(adapters.config, baseModel: baseModel).encoded(), weights: weights)
    }

    /// Attaches adapters read from PEFT's two files (the base stays frozen).
    ///
    /// - Parameter seed: Seeds the training dropout, should the adapters be trained further.
    /// - Throws: ``LoRAError`` naming what is wrong: an unsupported or invalid configuration key, a missing,
    ///   unexpected, misshapen or non-finite tensor, one of a dtype other than F32, F16 and BF16, an unreadable
    ///   weights file; or adapters already attached.
    @discardableResult
    public func importAdapters(_ files: PEFTAdapterFiles, seed: UInt64 = 0) throws(LoRAError) -> LoRAAdapters {
        guard adapters == nil else { throw .adaptersAlreadyAttached }
        let lora = try PEFTAdapterConfig.decode(files.config).loraConfig()
        let loaded = LoRAAdapters(model: config, config: lora, seed: seed)
        try Self.read(files.weights, into: loaded, headSize: config.headSize)
        adapters = loaded
        return loaded
    }

    /// Reads PEFT's tensors from a safetensors file image into `loaded`, checking names, shapes and values, and
    /// permuting the B of q and k into GGUF's row order. F32, F16 and BF16 are read (torch users save adapters in
    /// their training dtype); the 16-bit values widen to Float32 exactly.
    private static func read(_ image: [UInt8], into loaded: LoRAAdapters, headSize: Int) throws(LoRAError) {
        let r = loaded.config.rank
        let file: SafetensorsFile
        do throws(SafetensorsError) {
            file = try SafetensorsFile(image: image, name: PEFTAdapterFiles.weightsName)
        } catch {
            throw .invalidWeights(reason: error.description)
        }
        var expected: Set<String> = []
        for site in loaded.layout.sites {
            for (which, shape, offset) in [("A", [r, site.inputSize], site.a), ("B", [site.outputSize, r], site.b)] {
                let name = Self.peftTensorName(layer: site.layer, target: site.target, which)
                expected.insert(name)
                guard let info = file.header.tensors[name] else { throw .missingTensor(name: name) }
                guard info.shape == shape else { throw .tensorShape(name: name, expected: shape, actual: info.shape) }
                guard info.dtype.isSupported else { throw .tensorDType(name: name, dtype: info.dtype.rawValue) }
                var values: [Float]
                do throws(SafetensorsError) {
                    values = try file.tensor(named: name).floats()
                } catch {
                    throw .invalidWeights(reason: error.description)
                }
                if let index = values.firstIndex(where: { !$0.isFinite }) {
                    throw .nonFiniteValue(name: name, index: index)
                }
                if which == "B" && (site.target == .query || site.target == .key) {
                    values = RotaryRowOrder.toGGUF(values, rows: site.outputSize, width: r, headSize: headSize)
                }
                values.withUnsafeBufferPointer {
                    (loaded.parameters.base + offset).update(from: $0.baseAddress!, count: $0.count)
                }
            }
        }
        if let unexpected = file.tensorNames.first(where: { !expected.contains($0) }) {
            throw .unexpectedTensor(name: unexpected)
        }
    }

    /// Writes the attached adapters into `directory` (created if needed) as `adapter_config.json` and
    /// `adapter_model.safetensors`.
    ///
    /// - Throws: ``LoRAError/noAdapters`` or ``LoRAError/file(path:reason:)``.
    public func saveAdapters(to directory: URL, baseModel: String) throws(LoRAError) {
        let files = try exportAdapters(baseModel: baseModel)
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw .file(path: directory.path, reason: "cannot create the directory: \(error.localizedDescription)")
        }
        for (name, bytes) in [(PEFTAdapterFiles.configName, files.config), (PEFTAdapterFiles.weightsName, files.weights)] {
            let url = directory.appendingPathComponent(name)
            do {
                try Data(bytes).write(to: url, options: .atomic)
            } catch {
                throw .file(path: url.path, reason: "cannot write: \(error.localizedDescription)")
            }
        }
    }

    /// Attaches the adapters PEFT saved in `directory` (see ``importAdapters(_:seed:)``).
    @discardableResult
    public func loadAdapters(from directory: URL, seed: UInt64 = 0) throws(LoRAError) -> LoRAAdapters {
        var contents: [[UInt8]] = []
        for name in [PEFTAdapterFiles.configName, PEFTAdapterFiles.weightsName] {
            let url = directory.appendingPathComponent(name)
            do {
                contents.append([UInt8](try Data(contentsOf: url)))
            } catch {
                throw .file(path: url.path, reason: "cannot read: \(error.localizedDescription)")
            }
        }
        return try importAdapters(PEFTAdapterFiles(config: contents[0], weights: contents[1]), seed: seed)
    }
}

/// Calls `body` with the tensors' values as buffer pointers (valid only inside it).
private func withBuffers<R>(
    _ tensors: [(name: String, shape: [Int], values: [Float])],
    _ body: ([(name: String, shape: [Int], values: UnsafeBufferPointer<Float>)]) -> R
) -> R {
    let flat = tensors.flatMap(\.values)
    return flat.withUnsafeBufferPointer { all in
        var start = 0
        let views = tensors.map { tensor in
            defer { start += tensor.values.count }
            let values = UnsafeBufferPointer(rebasing: all[start..<(start + tensor.values.count)])
            return (name: tensor.name, shape: tensor.shape, values: values)
        }
        return body(views)
    }
}
