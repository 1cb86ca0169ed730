import Foundation
import FulmenCore
import ModelTestSupport
import Testing
import ZMQActorSystem
import ZMQTestSupport

/// SmolLM2-135M-Instruct, the bundled pretrained model, as a user runs it: a Python agent on the `openai` package
/// (examples/smollm2-calc/agent.py) chats with it through a runner pool's endpoint in the model's own chat
/// template, and GRPO trains LoRA adapters that the runner applies to the base it read once.
@Suite(.disabled(if: RealModel.skipped, Comment(rawValue: RealModel.skipReason)))
struct PretrainedModelTests {
    static let examples = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("examples")

    @Test func aPythonAgentChatsWithSmolLM2WhileGRPOTrainsItsAdapters() async throws {
        _ = try RealModel.path()
        let agent = Self.examples.appendingPathComponent("smollm2-calc/agent.py").path
        let processes = try await SystemProcesses(runner: ["--concurrency", "8", "--tasks", "calc", "--", "python3", agent])
        let spec = """
            task: calc
            model: { name: smollm2-135m-instruct, lora: { rank: 8, alpha: 16, targets: [q_proj, v_proj] } }
            split: { train: 20, validation: 2 }
            grpo: { steps: 1, problemsPerStep: 2, groupSize: 2, learningRate: 0.0002 }
            evaluation: { every: 1000, problems: 2 }
            """
        let experiment = try await runExperiment(spec, name: "smollm2", on: processes.store)
        #expect(experiment.status == .finished, "\(experiment.message ?? "")")
        let step = try #require(try await processes.store.metrics(experiment.id, afterStep: 0).first { $0[.grpoRollouts] != nil })
        #expect(step[.grpoRollouts] == 4 && step[.grpoFailedRollouts] == 0, "\(step.values)")

        // The checkpoint holds the adapters only: r · (in + out) values for q and v in 30 blocks, not 135M.
        let checkpoint = try #require(experiment.checkpoints.max { $0.step < $1.step })
        let size = try #require(try FileManager.default.attributesOfItem(atPath: checkpoint.location)[.size] as? Int)
        #expect(size > 4 * 30 * 8 * ((576 + 576) + (576 + 192)) && size < 2_000_000, "checkpoint of \(size) bytes")

        // The agent's calls were recorded with the model that made them, and `fulmen traces` decodes them with
        // its tokenizer: the ChatML conversation the endpoint rendered.
        let rollouts = try await processes.store.rollouts(
            RolloutQuery(statuses: [.succeeded], experiment: experiment.id, mode: .train, page: PageRequest(limit: 1)))
        let rollout = try #require(rollouts.items.first)
        let calls = try await processes.store.allSpans(of: rollout.id).filter { $0.span.name == SpanConvention.modelCall }
        #expect(calls.count == 2)
        for call in calls {
            #expect(call.span.attributes[SpanConvention.Attribute.model] == .string("smollm2-135m-instruct"))
            #expect(call.span.attributes[SpanConvention.Attribute.adapter] == .bool(true))
        }
        let traces = try await runToEnd("fulmen", arguments: ["traces", rollout.id.rawValue, "--store", processes.storeEndpoint])
        #expect(traces.status == 0, "\(traces)")
        #expect(traces.output.contains("model smollm2-135m-instruct (LoRA)"), "\(traces.output)")
        #expect(traces.output.contains("prompt \"<|im_start|>system\\nYou can use a calculator."), "\(traces.output)")

        // The trained adapters leave Fulmen: as PEFT's two files, and merged into the model as a GGUF file.
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("fulmen-export-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: out) }
        let peft = try await runToEnd("fulmen", arguments: ["models", "export", checkpoint.location, "--peft", out.appendingPathComponent("peft").path])
        #expect(peft.status == 0, "\(peft)")
        let config = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("peft/adapter_config.json"))) as? [String: Any]
        #expect(config?["r"] as? Int == 8 && config?["peft_type"] as? String == "LORA", "\(config ?? [:])")
        let gguf = out.appendingPathComponent("agent.gguf")
        let export = try await runToEnd("fulmen", arguments: ["models", "export", checkpoint.location, "--gguf", gguf.path])
        #expect(export.status == 0 && export.output.contains("wrote \(gguf.path)"), "\(export)")
        let header = try FileHandle(forReadingFrom: gguf).read(upToCount: 4)
        #expect(header == Data("GGUF".utf8))
        let missing = try await runToEnd("fulmen", arguments: ["models", "export", "/nonexistent.safetensors", "--peft", out.path])
        #expect(missing.status != 0 && missing.errors.contains("cannot read the checkpoint /nonexistent.safetensors"), "\(missing)")
        await processes.stop()
    }
}
