import Foundation
public import ModelFiles

/// The bundled SmolLM2 GGUF, for the tests that read the real model, in every test target that does.
///
/// It is looked for where `scripts/fetch-model` puts it (`$FULMEN_MODELS_DIR`, then the user's cache). CI fetches
/// it (scripts/bootstrap), so a missing file fails the test; `FULMEN_SKIP_MODEL_TESTS=1` skips those tests instead,
/// for machines that cannot fetch it.
public enum RealModel {
    public static let skipReason =
        "FULMEN_SKIP_MODEL_TESTS=1: tests of the bundled model file skipped "
        + "(run scripts/fetch-model smollm2-135m-instruct)"
    public static let skipped = ProcessInfo.processInfo.environment["FULMEN_SKIP_MODEL_TESTS"] == "1"

    /// The file is absent: says where it was looked for and how to get it.
    public struct Missing: Error, CustomStringConvertible {
        public let description: String

        public init(description: String) {
            self.description = description
        }
    }

    /// The file's path.
    /// - Throws: ``Missing`` when it is absent.
    public static func path() throws -> String {
        guard let path = ModelsDirectory.locate(.smolLM2_135M_Instruct) else {
            throw Missing(
                description: "\(BundledModel.smolLM2_135M_Instruct.fileName) not found in "
                    + "\(ModelsDirectory.searchPath().joined(separator: ", ")): run scripts/fetch-model "
                    + "smollm2-135m-instruct, or set FULMEN_SKIP_MODEL_TESTS=1 to skip")
        }
        return path
    }

    /// The file, opened (memory-mapped) once per test process.
    public static func file() throws -> GGUFFile {
        try opened.get()
    }

    private static let opened = Result { try GGUFFile(path: try path()) }
}
