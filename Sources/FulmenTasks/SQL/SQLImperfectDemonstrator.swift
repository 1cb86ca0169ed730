/// The sql task's imperfect demonstrator: the expert, except that it forgets the city filter when it
/// counts or sums (``blindSpots``).
///
/// For "count in Oslo?" it writes `select count(*) from p` and for "total age in Oslo?" `select sum(a)
/// from p`, over everyone instead of the city's residents, then copies SQLite's result into the answer as
/// the expert does. Those answers are right only when everyone in the database lives in that city (8
/// people over 6 cities: practically never). Every other question it writes the expert's SQL and gets
/// right, including "max age in Oslo?", whose query shows the filter it leaves out. With the 7 question
/// templates equally likely it solves about 5 in 7 (measured: 71% of a 300-question validation split, 0%
/// of its count and total questions).
///
/// The right queries are the expert's, in the same format, and their parts (`where c='Oslo'`) appear in
/// its own demonstrations, so reinforcement learning can find them from reward alone.
public struct SQLImperfectDemonstrator: ScriptedPolicy, Sendable {
    /// The question templates whose city filter it forgets.
    public static let blindSpots: Set<SQLQuestion.Kind> = [.countInCity, .totalAgeInCity]

    public let question: SQLQuestion

    public init(question: SQLQuestion) {
        self.question = question
    }

    /// The SQL it writes for its question.
    var sql: String {
        switch question.kind {
        case .countInCity: "select count(*) from p"
        case .totalAgeInCity: "select sum(a) from p"
        default: question.sql
        }
    }

    public func respond(to prompt: String) -> String {
        let last = prompt.split(separator: "\n").last.map(String.init) ?? ""
        if last.hasPrefix("Q:") { return "S:\(sql)\n" }
        if last.hasPrefix("R:") { return "A:" + last.dropFirst(2) + "\n" }
        return "A:\n"
    }
}
