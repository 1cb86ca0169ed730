import FulmenCore
import Foundation
import Yams

extension ExperimentSpec {
    /// Reads a spec from YAML and checks it. Fields left out take their defaults, inside the phases too.
    /// - Throws: ``SpecError`` naming the field that is missing, unknown, of the wrong type or out of range.
    public static func parse(yaml: String) throws(SpecError) -> ExperimentSpec {
        let node: Node?
        do {
            node = try Yams.compose(yaml: yaml)
        } catch {
            throw SpecError(field: nil, problem: "not valid YAML: \(error)")
        }
        guard let node, node.mapping != nil else { throw SpecError(field: nil, problem: "expected a mapping of fields") }
        let spec: ExperimentSpec
        do {
            spec = try YAMLDecoder().decode(ExperimentSpec.self, from: node)
        } catch let error as DecodingError {
            throw SpecError(error)
        } catch {
            throw SpecError(field: nil, problem: "\(error)")
        }
        try spec.validate()
        return spec
    }

    /// Checks every value is in range and the phases make sense together.
    /// - Throws: ``SpecError`` naming the first field that is not.
    public func validate() throws(SpecError) {
        try SpecError.require(!task.isEmpty, "task", "must name a task")
        do {
            try model.validate()
        } catch {
            throw error.within("model")
        }
        try SpecError.require(split.train >= 1, "split.train", "must be at least 1, got \(split.train)")
        try SpecError.require(split.validation >= 1, "split.validation", "must be at least 1, got \(split.validation)")
        let known = AlgorithmRegistry.all.map { $0.name }.joined(separator: ", ")
        guard !phases.isEmpty else {
            throw SpecError(field: nil, problem: "give at least one phase: a section named by an algorithm (\(known))")
        }
        for phase in phases {
            do {
                try phase.validate(in: self)
            } catch {
                throw error.within(type(of: phase).name)
            }
        }
        try SpecError.require(evaluation.every >= 1, "evaluation.every", "must be at least 1, got \(evaluation.every)")
        try SpecError.require(
            evaluation.problems >= 1 && evaluation.problems <= split.validation, "evaluation.problems",
            "must be between 1 and split.validation (\(split.validation)), got \(evaluation.problems)")
        try SpecError.require(checkpointEvery >= 1, "checkpointEvery", "must be at least 1, got \(checkpointEvery)")
        if let agent {
            try SpecError.require(!(agent.command.first ?? "").isEmpty, "agent.command", "must name a program")
            try SpecError.require(
                (agent.timeout ?? 1) > 0, "agent.timeout", "must be above 0 seconds, got \(agent.timeout ?? 0)")
        }
    }
}
