public import FulmenCore
import Foundation

/// Beam search over candidate values of a resource that is not the weights (sampling settings, a prompt
/// template): each round scores the surviving candidates on `problems` validation inputs it has not used yet,
/// and keeps the `beam` best by success so far; the best after the last round is published. Optimising an
/// agent is not limited to its model's parameters.
///
/// ```yaml
/// search: { resource: sampling, candidates: [{temperature: 0}, {temperature: 0.7, topK: 8}], rounds: 2 }
/// ```
public struct ResourceSearch: Algorithm {
    public static let name = "search"

    /// The resource, e.g. `sampling`; its candidates are settings (mappings) or prompt templates (strings).
    public var resource = ResourceName.sampling
    public var candidates: [JSONValue] = []
    /// Candidates kept after each round.
    public var beam = 2
    /// Each round is one of the experiment's steps.
    public var rounds = 2
    /// Validation inputs each surviving candidate plays per round.
    public var problems = 50

    public var steps: Int { rounds }

    public init() {}

    public init(from decoder: any Decoder) throws {
        self.init()
        let section = try decoder.section(of: self, keyedBy: CodingKeys.self)
        try section.update(&resource, .resource)
        try section.update(&candidates, .candidates)
        try section.update(&beam, .beam)
        try section.update(&rounds, .rounds)
        try section.update(&problems, .problems)
    }

    public func validate(in spec: ExperimentSpec) throws(SpecError) {
        try SpecError.require(
            !resource.isEmpty && resource != ResourceName.policy, "resource",
            "must name a resource other than the weights ('\(ResourceName.policy)'), got '\(resource)'")
        try SpecError.require(candidates.count >= 2, "candidates", "needs at least 2 candidates, got \(candidates.count)")
        let texts = candidates.filter { if case .string = $0 { true } else { false } }.count
        let settings = candidates.filter { if case .object = $0 { true } else { false } }.count
        try SpecError.require(
            texts == candidates.count || settings == candidates.count, "candidates",
            "must be all mappings (settings) or all strings (prompt templates)")
        try SpecError.require(beam >= 1, "beam", "must be at least 1, got \(beam)")
        try SpecError.require(rounds >= 1, "rounds", "must be at least 1, got \(rounds)")
        try SpecError.require(
            problems >= 1 && problems <= spec.split.validation, "problems",
            "must be between 1 and split.validation (\(spec.split.validation)), got \(problems)")
    }

    /// The candidates as resource contents: settings from mappings, prompt templates from strings.
    public var contents: [ResourceContent] {
        candidates.map { candidate in
            if case .string(let text) = candidate { return ResourceContent(kind: .promptTemplate, data: Data(text.utf8)) }
            return ResourceContent(kind: .settings, data: (try? candidate.canonicalJSON()) ?? Data())
        }
    }

    /// Runs the rounds with the current weights; publishes the best candidate as the snapshot later rollouts
    /// pin, and answers a line about it. A run resumed inside the search starts the search again (it changes
    /// no weights, so nothing is lost but its rollouts).
    public func run(in context: ExperimentContext) async throws -> String? {
        let phase = await context.phase
        await context.move(to: phase.offset)
        let weights = ResourceContent(kind: .weights, data: Data(try await context.trainer.checkpoint()))
        let contents = self.contents
        var snapshots: [ResourceSnapshotID] = []
        for content in contents {
            let publication = ResourcePublication(resources: [ResourceName.policy: weights, resource: content])
            snapshots.append(try await context.store.publish(publication).id)
        }
        // Sampling settings are what is searched: leave the rollouts' sampling to them; anything else is judged
        // by greedy decoding, as validation is.
        let metadata = resource == ResourceName.sampling ? [:] : [RolloutMetadata.temperature: "0"]
        var tally = Array(repeating: (solved: 0, played: 0), count: contents.count)
        func rate(_ candidate: Int) -> Double { Double(tally[candidate].solved) / Double(max(1, tally[candidate].played)) }
        var alive = Array(contents.indices)
        for round in 0..<rounds {
            _ = try await context.beginStep()
            let inputs = (0..<problems).map {
                context.split.validation[(round * problems + $0) % context.split.validation.count]
            }
            var owner: [RolloutID: Int] = [:]
            var requests: [RolloutRequest] = []
            for candidate in alive {
                for (i, input) in inputs.enumerated() {
                    let id = RolloutID("\(context.experiment.id)/search/\(round)/\(candidate)/\(i)")
                    owner[id] = candidate
                    requests.append(
                        context.request(id, input: input, mode: .val, snapshot: snapshots[candidate], metadata: metadata))
                }
            }
            for (id, solved) in try await context.successes(of: requests) {
                guard let candidate = owner[id] else { continue }
                tally[candidate].played += 1
                if solved { tally[candidate].solved += 1 }
            }
            alive = Array(alive.sorted { (rate($0), -$0) > (rate($1), -$1) }.prefix(beam))
            var values: [MetricName: Double] = [.searchBest: rate(alive[0]), .searchBestCandidate: Double(alive[0])]
            for candidate in contents.indices where tally[candidate].played > 0 {
                values[.searchCandidate(candidate)] = rate(candidate)
            }
            context.logger.info(
                "resource search round",
                metadata: [
                    "experiment": "\(context.experiment.id)", "round": "\(round + 1)", "best": "\(alive[0])",
                    "success": "\(ExperimentContext.percent(rate(alive[0])))",
                ])
            try await context.report(values)
        }
        let best = alive[0]
        await context.adopt(snapshots[best])
        let value = String(decoding: contents[best].data, as: UTF8.self)
        return "\(resource): candidate \(best + 1) of \(contents.count) (\(value)) best, "
            + "\(ExperimentContext.percent(rate(best))) on validation"
    }
}
