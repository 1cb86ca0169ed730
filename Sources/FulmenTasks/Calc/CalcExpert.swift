/// The calc task's scripted expert: it copies the question into a calculator call, then copies the
/// calculator's result into the answer. It reads only the transcript, so it solves every problem the
/// calculator evaluates correctly.
public struct CalcExpert: ScriptedPolicy, Sendable {
    public init() {}

    public func respond(to prompt: String) -> String {
        let last = prompt.split(separator: "\n").last.map(String.init) ?? ""
        if last.hasPrefix("Q:") { return "C:" + last.dropFirst(2) + "\n" }
        if last.hasPrefix("R:") { return "A:" + last.dropFirst(2) + "\n" }
        return "A:\n"
    }
}
