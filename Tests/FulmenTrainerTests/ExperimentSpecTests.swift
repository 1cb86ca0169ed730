import Foundation
import FulmenLlama
import FulmenPolicy
import FulmenTasks
import FulmenTrainer
import Testing

@Suite("Trainer: experiment specs")
struct ExperimentSpecTests {
    static let examples = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("examples")

    static func error(_ yaml: String) -> SpecError? {
        do {
            _ = try ExperimentSpec.parse(yaml: yaml)
            return nil
        } catch {
            return error
        }
    }

    @Test func everyExampleReadsAndTheBuiltInOneIsCalcYAML() throws {
        let examples = [
            "calc.yaml": "calc", "sql.yaml": "sql", "maze.yaml": "maze", "calc-search.yaml": "calc",
            "python-calc/calc.yaml": "calc", "smollm2-calc/calc.yaml": "calc",
        ]
        for (file, task) in examples {
            let text = try String(contentsOf: Self.examples.appendingPathComponent(file), encoding: .utf8)
            #expect(try ExperimentSpec.parse(yaml: text).task == task, "\(file)")
        }
        let calc = try String(contentsOf: Self.examples.appendingPathComponent("calc.yaml"), encoding: .utf8)
        #expect(try ExperimentSpec.parse(yaml: calc) == ExperimentSpec.parse(yaml: BundledExperiments.calc))
    }

    @Test func leftOutFieldsTakeTheirDefaultsInsideThePhasesToo() throws {
        let spec = try ExperimentSpec.parse(yaml: "task: calc\ngrpo: { steps: 5 }\n")
        var five = GRPO()
        five.steps = 5
        #expect(spec.phase(GRPO.self) == five)
        #expect(spec.phase(SFT.self) == nil && spec.phases.count == 1)
        #expect(spec.model == ExperimentSpec.ModelSpec() && spec.split == ExperimentSpec.SplitSpec())
        #expect(spec.adapter.creditAssignment == .finalReward)
        let imperfect = try ExperimentSpec.parse(yaml: "task: calc\nsft: { demonstrator: imperfect }\n")
        #expect(imperfect.phase(SFT.self)?.demonstrator == .imperfect && imperfect.phase(SFT.self)?.steps == 400)
        #expect(imperfect.phase(SFT.self)?.source == .demonstrations)
        #expect(try ExperimentSpec.parse(yaml: "task: calc\nsft: { source: traces }\n").phase(SFT.self)?.source == .traces)
        #expect(try ExperimentSpec.parse(yaml: "task: calc\nsft:\n").phase(SFT.self) == SFT())
        let search = try #require(
            try ExperimentSpec.parse(yaml: "task: calc\nsearch: { candidates: [{temperature: 0}, {temperature: 0.5, topK: 4}] }\n")
                .phase(ResourceSearch.self))
        #expect(search.resource == "sampling" && search.beam == 2 && search.rounds == 2 && search.steps == 2)
        #expect(search.contents.map { String(decoding: $0.data, as: UTF8.self) } == [#"{"temperature":0}"#, #"{"temperature":0.5,"topK":4}"#])
        #expect(search.contents.allSatisfy { $0.kind == .settings })
    }

    @Test func phasesRunInTheOrderTheSpecWritesThem() throws {
        let spec = try ExperimentSpec.parse(
            yaml: "task: calc\ngrpo: { steps: 3 }\nsft: { steps: 2 }\nsearch: { candidates: [a, b], rounds: 4 }\n")
        #expect(spec.phases.map { type(of: $0).name } == ["grpo", "sft", "search"])
        #expect(spec.totalSteps == 9 && spec.stepsBefore(phase: 1) == 3 && spec.stepsBefore(phase: 2) == 5)
    }

    @Test func aPretrainedModelIsNamedByNameOrPathAndMayTakeLoRA() throws {
        let named = try ExperimentSpec.parse(
            yaml: "task: calc\nsft: {}\nmodel: { name: smollm2-135m-instruct, lora: { rank: 8, targets: [q_proj, v_proj] } }\n")
        #expect(
            try named.model.choice()
                == PolicyModelChoice(
                    source: .pretrained(.bundled(.smolLM2_135M_Instruct)),
                    lora: LoRAConfig(rank: 8, alpha: 32, dropout: 0, targets: [.query, .value])))
        let path = try ExperimentSpec.parse(yaml: "task: calc\nsft: {}\nmodel: { path: /models/x.gguf, threads: 2 }\n")
        #expect(try path.model.choice() == PolicyModelChoice(source: .pretrained(.path("/models/x.gguf"))))
        #expect(try ExperimentSpec.parse(yaml: "task: calc\nsft: {}\n").model.choice().name == "tiny")

        func field(_ model: String) -> String? { Self.error("task: calc\nsft: {}\nmodel: \(model)\n")?.field }
        #expect(field("{ preset: tiny, name: smollm2-135m-instruct }") == "model.name")
        #expect(field("{ name: tiny }") == "model.name")
        #expect(field("{ name: gpt-9 }") == "model.name")
        #expect(field("{ preset: tiny, lora: {} }") == "model.lora")
        #expect(field("{ name: smollm2-135m-instruct, lora: { targets: [qkv] } }") == "model.lora.targets")
        #expect(field("{ name: smollm2-135m-instruct, lora: { rank: 0 } }") == "model.lora.rank")
        #expect(field("{ name: smollm2-135m-instruct, lora: { ranks: 4 } }") == "model.lora.ranks")
    }

    @Test func aBadSpecIsRefusedNamingTheField() {
        #expect(Self.error("grpo: { steps: 5 }\n") == SpecError(field: "task", problem: "missing"))
        #expect(Self.error("task: calc\ngrpo: { stepz: 5 }\n")?.field == "grpo.stepz")
        #expect(Self.error("task: calc\ngrpo: { stepz: 5 }\n")?.problem.contains("known here: asynchronous, clipRange, dynamicSampling, epochs") == true)
        #expect(Self.error("task: calc\nlearningRate: 0.1\n")?.field == "learningRate")
        #expect(Self.error("task: calc\ngrpo: { steps: many }\n") == SpecError(field: "grpo.steps", problem: "expected a whole number"))
        #expect(Self.error("task: calc\ngrpo: { groupSize: 1 }\n")?.field == "grpo.groupSize")
        #expect(Self.error("task: calc\nsft: { learningRate: 3 }\n")?.field == "sft.learningRate")
        #expect(Self.error("task: calc\ngrpo: { learningRate: 0.001, finalLearningRate: 0.01 }\n")?.field == "grpo.finalLearningRate")
        #expect(
            Self.error("task: calc\n")
                == SpecError(field: nil, problem: "give at least one phase: a section named by an algorithm (sft, grpo, search)"))
        #expect(Self.error("task: calc\nreinforce: {}\n")?.problem.contains("known here: adapter, agent, checkpointEvery") == true)
        #expect(Self.error("task: calc\nsft: {}\nadapter: { credit: final }\n")?.field == "adapter.credit")
        #expect(Self.error("task: calc\nsft: {}\nmodel: { preset: tiny, layers: 3 }\n")?.field == "model.layers")
        #expect(Self.error("task: calc\nsearch: { candidates: [{temperature: 0}] }\n")?.field == "search.candidates")
        #expect(Self.error("task: calc\nsearch: { candidates: [{temperature: 0}, terse] }\n")?.field == "search.candidates")
        #expect(Self.error("task: calc\nsearch: { resource: policy, candidates: [a, b] }\n")?.field == "search.resource")
        #expect(Self.error("task: calc\nsearch: { candidates: [a, b], beam: 0 }\n")?.field == "search.beam")
        #expect(Self.error("task: calc\nsearch: { candidates: [a, b], problems: 201 }\n")?.field == "search.problems")
        #expect(Self.error("task: calc\nsearch: { candidates: [a, b], depth: 3 }\n")?.field == "search.depth")
        #expect(Self.error("task: calc\nmodel: { preset: huge }\nsft: {}\n")?.field == "model.preset")
        #expect(Self.error("task: calc\nsft: {}\nevaluation: { problems: 500 }\n")?.field == "evaluation.problems")
        #expect(Self.error("adapter: { creditAssignment: vibes }\ntask: calc\nsft: {}\n")?.field == "adapter.creditAssignment")
        #expect(Self.error("task: calc\nsft: { demonstrator: teacher }\n")?.field == "sft.demonstrator")
        #expect(Self.error("task: calc\nsft: { source: vibes }\n")?.field == "sft.source")
        #expect(Self.error("- just\n- a list\n") == SpecError(field: nil, problem: "expected a mapping of fields"))
        #expect(Self.error("task: [unclosed\n")?.problem.hasPrefix("not valid YAML") == true)
    }
}
