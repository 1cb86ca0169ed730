import Foundation
import ModelFiles

/// A Hugging Face model directory made in a temporary folder from the `hf-tiny-f32` fixture with one thing
/// changed, for the refusal tests: its config.json edited, its tensors dropped, added, reshaped or re-typed.
struct HuggingFaceTestDirectory {
    /// A tensor as safetensors stores it.
    struct StoredTensor {
        var dtype: String
        var shape: [Int]
        var bytes: [UInt8]

        /// F32 values.
        init(shape: [Int], floats: [Float]) {
            self.init(dtype: "F32", shape: shape, bytes: floats.withUnsafeBytes { Array($0) })
        }

        init(dtype: String, shape: [Int], bytes: [UInt8]) {
            self.dtype = dtype
            self.shape = shape
            self.bytes = bytes
        }
    }

    let url: URL

    /// Copies the fixture's config.json (after `editConfig`) and its tensors as F32 (after `editTensors`) into a new
    /// temporary directory, and its tokenizer files unless `withTokenizer` is false.
    init(
        withTokenizer: Bool = true, editConfig: (inout [String: Any]) -> Void = { _ in },
        editTensors: (inout [String: StoredTensor]) -> Void = { _ in }
    ) throws {
        let source = LlamaHuggingFaceTests.fixture("hf-tiny-f32")
        url = FileManager.default.temporaryDirectory.appendingPathComponent("fulmen-hf-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        var config = try JSONSerialization.jsonObject(
            with: Data(contentsOf: source.appendingPathComponent("config.json"))) as! [String: Any]
        editConfig(&config)
        try JSONSerialization.data(withJSONObject: config).write(to: url.appendingPathComponent("config.json"))
        let file = try SafetensorsFile(path: source.appendingPathComponent("model.safetensors").path)
        var tensors: [String: StoredTensor] = [:]
        for name in file.tensorNames {
            let tensor = try file.tensor(named: name)
            tensors[name] = StoredTensor(shape: tensor.shape, floats: try tensor.floats())
        }
        editTensors(&tensors)
        try Data(Self.image(tensors)).write(to: url.appendingPathComponent("model.safetensors"))
        if withTokenizer {
            for name in ["tokenizer.json", "tokenizer_config.json", "chat_template.jinja"] {
                try FileManager.default.copyItem(
                    at: source.appendingPathComponent(name), to: url.appendingPathComponent(name))
            }
        }
    }

    func remove() {
        try? FileManager.default.removeItem(at: url)
    }

    /// A safetensors file image: the 8-byte header size, the JSON header, the tensors' bytes in name order.
    static func image(_ tensors: [String: StoredTensor]) throws -> [UInt8] {
        var header: [String: Any] = [:]
        var data: [UInt8] = []
        for name in tensors.keys.sorted() {
            let tensor = tensors[name]!
            header[name] = [
                "dtype": tensor.dtype, "shape": tensor.shape,
                "data_offsets": [data.count, data.count + tensor.bytes.count],
            ]
            data += tensor.bytes
        }
        let json = [UInt8](try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys]))
        return withUnsafeBytes(of: UInt64(json.count).littleEndian) { Array($0) } + json + data
    }
}
