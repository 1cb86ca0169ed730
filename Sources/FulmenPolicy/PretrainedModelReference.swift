public import ModelFiles
import Foundation

/// A pretrained model as every process finds the same files: a name Fulmen knows (``BundledModel``, looked up in the
/// models directory of the host that loads it) or a path, of a GGUF file or a Hugging Face model directory (which
/// must then be the same on every host).
///
/// Its text form, which weights resources and model-call spans carry, is the name or the path.
public enum PretrainedModelReference: Sendable, Hashable, CustomStringConvertible {
    case bundled(BundledModel)
    case path(String)

    /// The reference a spec's or a span's text names: a known model's name, else a path.
    public init(_ text: String) {
        self = BundledModel(rawValue: text).map(Self.bundled) ?? .path(text)
    }

    public var description: String {
        switch self {
        case .bundled(let model): model.rawValue
        case .path(let path): path
        }
    }

    /// The model's file or directory on this host.
    ///
    /// - Throws: ``PolicyError/modelNotFound(_:reason:)`` saying where it looked and how to get it.
    public func locate(environment: [String: String]? = nil) throws(PolicyError) -> String {
        switch self {
        case .bundled(let model):
            guard let path = ModelsDirectory.locate(model, environment: environment) else {
                let searched = ModelsDirectory.searchPath(environment: environment).joined(separator: ", ")
                throw .modelNotFound(
                    self, reason: "no \(model.fileName) in \(searched); run `fulmen models fetch \(model.rawValue)`")
            }
            return path
        case .path(let path):
            guard FileManager.default.fileExists(atPath: path) else {
                throw .modelNotFound(self, reason: "no such file or directory on this host")
            }
            return path
        }
    }
}
