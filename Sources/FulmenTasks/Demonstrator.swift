/// Which scripted policy plays a task's demonstrations for the SFT warm start.
///
/// The raw values are what experiment specs write (`sft: { demonstrator: imperfect }`).
public enum Demonstrator: String, Codable, Sendable, CaseIterable {
    /// The task's expert (``BundledTask/expert(for:)``): it solves every input, so a warm start on it
    /// leaves reinforcement learning little to improve.
    case expert
    /// The task's imperfect demonstrator (``BundledTask/imperfectDemonstrator(for:)``): an expert with a
    /// systematic blind spot, documented on each task's demonstrator type. A warm start trained on it to
    /// convergence inherits the blind spot, which reinforcement learning can then fix from reward alone:
    /// the right behaviour is expressible in the same episode format, only never demonstrated.
    case imperfect
}
