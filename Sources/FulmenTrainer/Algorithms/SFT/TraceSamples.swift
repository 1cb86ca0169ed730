import FulmenCore

/// The model calls of the store's successful training episodes of a task (any experiment's), as supervised
/// samples: the prompt as context, the model's tokens to learn. What SFT on traces imitates.
struct TraceSamples {
    var samples: [SupervisedSample] = []
    /// Succeeded rollouts read.
    var read = 0
    /// Those whose episode solved its input.
    var successful = 0

    /// The most succeeded rollouts read.
    static let maxRead = 20_000

    static func read(in context: ExperimentContext) async throws -> TraceSamples {
        let adapter = TripletAdapter(AdapterOptions(creditAssignment: .finalReward, agent: context.spec.adapter.agent))
        var traces = TraceSamples()
        var cursor: PageCursor?
        repeat {
            let page = try await context.store.rollouts(
                RolloutQuery(
                    statuses: [.succeeded], mode: .train, task: context.spec.task, page: PageRequest(after: cursor, limit: 200)))
            for rollout in page.items {
                let spans = try await context.store.allSpans(of: rollout.id)
                guard let adapted = try? adapter.adapt(spans, of: rollout.id),
                    let reward = adapted.finalReward, context.task.isSuccess(reward: reward)
                else { continue }
                traces.successful += 1
                traces.samples += adapted.triplets.map {
                    SupervisedSample(prompt: $0.prompt, response: $0.response, trainable: $0.trainable)
                }
            }
            traces.read += page.items.count
            cursor = page.next
        } while cursor != nil && traces.read < maxRead
        return traces
    }
}
