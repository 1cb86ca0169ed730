/// A training method: one phase of an experiment. `SFT`, `GRPO` and `ResourceSearch` are Fulmen's own; a
/// user's method is one more type conforming to this, registered with the trainer (``AlgorithmRegistry``).
///
/// The type is its section of the experiment spec: its stored properties are the section's fields, each
/// declared once with its default and its documentation (see ``SpecSection``), and ``validate(in:)`` checks
/// their values. ``run(in:)`` is its loop: it takes its steps through the ``ExperimentContext``, which keeps
/// what every method shares (the step counter, weights and their publication, rollouts, evaluation,
/// checkpoints, metrics, and the policy's ``PolicyTrainer``).
///
/// ```yaml
/// task: calc
/// sft: { steps: 400 }        # a phase: the section named SFT.name, decoded as SFT
/// grpo: { steps: 200 }       # the next phase
/// ```
///
/// An experiment's phases run in the order its spec writes them. Steps are numbered across the phases, so
/// a checkpoint's step says which phase to resume and where inside it: a trainer restarted on the
/// experiment calls ``run(in:)`` of the phase holding the step after the checkpoint's, with
/// ``ExperimentContext/step`` already there.
public protocol Algorithm: SpecSection {
    /// The key of its section in an experiment spec, e.g. `grpo`.
    static var name: String { get }

    /// The steps the phase takes (counted in the experiment's step numbers).
    var steps: Int { get }

    /// Checks the section's values against each other and the rest of `spec`.
    /// - Throws: ``SpecError`` naming the field (relative to the section: `groupSize`, not `grpo.groupSize`).
    func validate(in spec: ExperimentSpec) throws(SpecError)

    /// Takes the phase's remaining steps: each begins with ``ExperimentContext/beginStep()`` and usually ends
    /// with ``ExperimentContext/report(_:)``. Answers a line for the experiment's summary, if it has one to
    /// add (what a search found, say).
    func run(in context: ExperimentContext) async throws -> String?
}

extension Algorithm {
    public func validate(in spec: ExperimentSpec) throws(SpecError) {}

    /// Whether `other` is the same algorithm with the same settings.
    func isEqual(to other: any Algorithm) -> Bool { (other as? Self) == self }
}
