import Foundation
import FulmenCore
import FulmenModel
import FulmenTrainer
import FulmenTrainingAPI
import Testing
import ZMQActorSystem
import ZMQTestSupport

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// The training API: an `external` phase driven from Python over plain HTTP by examples/training-api/grpo.py, and
/// from Swift through its distributed face, with store, runner pool and trainer as separate processes.
@Suite("System: the training API driven from Python and from Swift")
struct TrainingAPITests {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("examples/training-api/grpo.py")

    @Test func oneStepFromPythonGivesTheWeightsOfTheBuiltInGRPOStepOnTheSameSamples() async throws {
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("fulmen-api-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: work) }
        let port = freeLoopbackPort()
        let tokenFile = work.appendingPathComponent("api.token").path
        let spec = """
            task: calc
            split: { train: 100, validation: 10 }
            sft: { steps: 150, batchSize: 16 }
            external: { steps: 3, listen: "127.0.0.1:\(port)", tokenFile: \(tokenFile) }
            evaluation: { every: 100, problems: 4 }
            """
        let processes = try await SystemProcesses(runner: ["--concurrency", "16", "--tasks", "calc"])
        let experiment = try await processes.store.submit(ExperimentSubmission(name: "api", spec: Data(spec.utf8)))

        // The phase starts once SFT is done: the trainer writes a fresh token, readable by its owner only.
        #expect(await eventually(timeout: .seconds(300)) { FileManager.default.fileExists(atPath: tokenFile) })
        let mode = try FileManager.default.attributesOfItem(atPath: tokenFile)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        let token = try String(contentsOfFile: tokenFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        let url = "http://127.0.0.1:\(port)"
        #expect(await eventually(timeout: .seconds(60)) { (try? await Self.call(url, "state", token: token))?.status == 200 })

        // Refusals name what was wrong, and the API keeps serving.
        #expect(try await Self.call(url, "state", token: nil).status == 401)
        #expect(try await Self.call(url, "state", token: String(repeating: "0", count: token.count)).status == 401)
        let badLoss = try await Self.call(url, "forward_backward", token: token, body: #"{"loss": "hinge", "samples": [{"prompt": [1], "response": [2]}]}"#)
        #expect(badLoss.status == 400 && badLoss.text.contains(#""field":"loss""#), "\(badLoss.text)")
        let badRate = try await Self.call(url, "optim_step", token: token, body: #"{"learning_rate": "high"}"#)
        #expect(badRate.status == 400 && badRate.text.contains(#""field":"learning_rate""#), "\(badRate.text)")
        let empty = try await Self.call(url, "forward_backward", token: token, body: #"{"loss": "policy", "samples": []}"#)
        #expect(empty.status == 400 && empty.text.contains("samples: is empty"), "\(empty.text)")

        // One GRPO step from Python, plain HTTP: sample, group advantages, forward_backward, optim_step.
        let dump = work.appendingPathComponent("dump")
        let python = try await Self.python([
            Self.script.path, "--url", url, "--token-file", tokenFile, "--steps", "1", "--problems", "8", "--group-size", "4",
            "--learning-rate", "0.001", "--dump", dump.path,
        ])
        #expect(python.status == 0, "\(python.output)\(python.errors)")
        #expect(python.output.contains("step 151: loss"), "\(python.output)")

        // The same step taken in this process by the built-in GRPO update, from the same state on the same samples.
        let batch = try JSONDecoder().decode(Batch.self, from: Data(contentsOf: dump.appendingPathComponent("batch.json")))
        let before = dump.appendingPathComponent("before.safetensors").path
        let model = try GPT(checkpointFile: before)
        let optimizer = AdamW(model: model)
        try optimizer.restore(state: [UInt8](try Data(contentsOf: URL(fileURLWithPath: PolicyTrainer.optimizerPath(for: before)))))
        let triplets = batch.samples.enumerated().map { i, sample in
            Triplet(
                rollout: RolloutID("\(i)"), attempt: AttemptID("\(i)"), agent: "", prompt: sample.prompt, response: sample.response,
                trainable: sample.trainable, logProbabilities: sample.logprobs, reward: sample.advantage, weightsVersion: nil)
        }
        _ = try PolicyUpdate(objective: PolicyObjective(clipRange: 0.2, klCoefficient: 0)).run(
            model: model, optimizer: optimizer, learningRate: Float(batch.learningRate), triplets: triplets,
            advantages: batch.samples.map(\.advantage))
        let viaAPI = try Data(contentsOf: dump.appendingPathComponent("after.safetensors"))
        #expect(Data(model.checkpoint()) == viaAPI, "the weights after the API's step differ from the built-in step's")
        #expect(viaAPI != (try Data(contentsOf: URL(fileURLWithPath: before))), "the step changed no weight")

        // The program said it was done: the phase ends early and the experiment finishes.
        _ = try await eventually(timeout: .seconds(120)) { try await processes.store.experiment(experiment.id).status.isFinal }
        let final = try await processes.store.experiment(experiment.id)
        #expect(final.status == .finished, "\(final.message ?? "")")
        #expect(final.message?.contains("external algorithm took 1 of 3 steps") == true, "\(final.message ?? "")")
        await processes.stop()
    }

    @Test func theDistributedFaceSamplesStepsAndRefusesByName() async throws {
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("fulmen-api-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: work) }
        let port = freeLoopbackPort()
        let tokenFile = work.appendingPathComponent("api.token").path
        let spec = """
            task: calc
            split: { train: 100, validation: 10 }
            external: { face: actors, steps: 2, listen: "127.0.0.1:\(port)", tokenFile: \(tokenFile) }
            evaluation: { every: 100, problems: 4 }
            """
        let processes = try await SystemProcesses(runner: ["--concurrency", "8", "--tasks", "calc"])
        let experiment = try await processes.store.submit(ExperimentSubmission(name: "api-actors", spec: Data(spec.utf8)))
        // The phase writes api.url beside the token once its node listens.
        let urlFile = work.appendingPathComponent("api.url").path
        #expect(await eventually(timeout: .seconds(120)) { FileManager.default.fileExists(atPath: urlFile) })
        let url = try String(contentsOfFile: urlFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(url == "tcp://127.0.0.1:\(port)")
        let token = try String(contentsOfFile: tokenFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)

        var settings = ZMQActorSystem.Settings(bindEndpoint: "tcp://127.0.0.1:0")
        settings.logger.logLevel = .error
        let system = try ZMQActorSystem(settings: settings)
        let training = try TrainingService.resolve(id: .wellKnown(TrainingService.wellKnownName, at: url), using: system)
        let before = try await training.state(token: token)

        // Refusals arrive as the API's own error, naming what was wrong; the service keeps serving.
        let wrongToken = await Self.refusal { _ = try await training.state(token: String(repeating: "0", count: token.count)) }
        #expect(wrongToken?.kind == .unauthorized)
        let badLoss = await Self.refusal {
            _ = try await training.forwardBackward(ForwardBackwardRequest(loss: "hinge", samples: [APISample(prompt: [1], response: [2])]), token: token)
        }
        #expect(badLoss?.kind == .invalid && badLoss?.field == "loss", "\(String(describing: badLoss))")
        let badRate = await Self.refusal { _ = try await training.optimStep(OptimStepRequest(learningRate: 7), token: token) }
        #expect(badRate?.field == "learning_rate", "\(String(describing: badRate))")

        // Sample, learn from the samples, step: the step and the weights version move on.
        let batch = try await training.sample(SampleRequest(problems: 2, groupSize: 2, temperature: 1), token: token)
        #expect(batch.groups.count == 2 && batch.groups.allSatisfy { $0.rollouts.count == 2 })
        let samples = batch.groups.flatMap(\.rollouts).flatMap(\.samples)
        try #require(!samples.isEmpty, "no rollout gave a sample: \(batch)")
        let pass = try await training.forwardBackward(ForwardBackwardRequest(loss: "supervised", samples: samples), token: token)
        #expect(pass.loss.isFinite && pass.loss > 0 && pass.samples > 0)
        let stepped = try await training.optimStep(OptimStepRequest(learningRate: 1e-3), token: token)
        #expect(stepped.step == before.step + 1 && stepped.weightsVersion > before.weightsVersion)
        #expect(stepped.gradientNorm.isFinite && stepped.gradientNorm > 0)

        // `done` ends the phase, and the experiment finishes.
        _ = try await training.done(token: token)
        _ = try await eventually(timeout: .seconds(120)) { try await processes.store.experiment(experiment.id).status.isFinal }
        let final = try await processes.store.experiment(experiment.id)
        #expect(final.status == .finished, "\(final.message ?? "")")
        #expect(final.message?.contains("external algorithm took 1 of 2 steps") == true, "\(final.message ?? "")")
        await system.shutdown()
        await processes.stop()
    }

    /// The training API's refusal that `call` threw, if it threw one.
    static func refusal(_ call: () async throws -> Void) async -> TrainingAPIRefusal? {
        do {
            try await call()
            return nil
        } catch {
            return (error as? RemoteError)?.decode(as: TrainingAPIRefusal.self)
        }
    }

    struct Batch: Decodable {
        struct Sample: Decodable {
            var prompt: [Int32]
            var response: [Int32]
            var logprobs: [Float]
            var trainable: [Bool]
            var advantage: Double
        }
        var samples: [Sample]
        var learningRate: Double

        enum CodingKeys: String, CodingKey {
            case samples
            case learningRate = "learning_rate"
        }
    }

    /// One request to the training API; answers the status and the body.
    static func call(_ url: String, _ route: String, token: String?, body: String? = nil) async throws -> (status: Int, text: String) {
        var request = URLRequest(url: URL(string: "\(url)/v1/\(route)")!)
        request.httpMethod = body == nil ? "GET" : "POST"
        request.httpBody = body.map { Data($0.utf8) }
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        let (data, response) = try await URLSession.shared.data(for: request)
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, String(decoding: data, as: UTF8.self))
    }

    /// Runs `python3` with `arguments` to its end.
    static func python(_ arguments: [String]) async throws -> (status: Int32, output: String, errors: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3"] + arguments
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        return await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                let text = output.fileHandleForReading.readDataToEndOfFile()
                let errorText = errors.fileHandleForReading.readDataToEndOfFile()
                process.waitUntilExit()
                continuation.resume(
                    returning: (process.terminationStatus, String(decoding: text, as: UTF8.self), String(decoding: errorText, as: UTF8.self)))
            }
        }
    }
}
