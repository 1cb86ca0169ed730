/// The sql task's scripted expert: it writes the SQL that answers its question, then copies SQLite's
/// result into the answer. It succeeds only when SQLite's result is the answer computed without SQL.
public struct SQLExpert: ScriptedPolicy, Sendable {
    public let question: SQLQuestion

    public init(question: SQLQuestion) {
        self.question = question
    }

    public func respond(to prompt: String) -> String {
        let last = prompt.split(separator: "\n").last.map(String.init) ?? ""
        if last.hasPrefix("Q:") { return "S:\(question.sql)\n" }
        if last.hasPrefix("R:") { return "A:" + last.dropFirst(2) + "\n" }
        return "A:\n"
    }
}
