/// The sql task's imperfect demonstrator: the expert, except that it mostly forgets the city filter
/// (``blindSpots``).
///
/// For three in four questions that name a city ("count in Oslo?", "total age in Oslo?", "max age in
/// Oslo?") it writes `select count(*) from p`, `select sum(a) from p` or `select max(a) from p`, over
/// everyone instead of the city's residents, then copies SQLite's result into the answer as the expert
/// does. Those answers are right only when the city's residents happen to give the same figure as
/// everyone (8 people over 6 cities: for counts and totals practically never, for the maximum when the
/// oldest lives there). On the fourth, picked so that no model can tell which (``BlindSpotLapse``), and
/// on every other question it writes the expert's SQL and gets it right. With the 7 question templates
/// equally likely it solves about seven in ten (measured: 72% of a 300-question validation split, 31% of
/// the questions that name a city), and a warm start trained on it leaves the filter out.
///
/// The right queries are the expert's, in the same format, and their parts (`where c='Oslo'`) appear in
/// its own demonstrations, so reinforcement learning can find them from reward alone.
public struct SQLImperfectDemonstrator: ScriptedPolicy, Sendable {
    /// The question templates whose city filter it forgets: those that name a city.
    public static let blindSpots: Set<SQLQuestion.Kind> = [.countInCity, .totalAgeInCity, .maxAgeInCity]

    public let question: SQLQuestion

    public init(question: SQLQuestion) {
        self.question = question
    }

    /// The SQL it writes for its question.
    var sql: String {
        guard !BlindSpotLapse.playsRight(question.description) else { return question.sql }
        return switch question.kind {
        case .countInCity: "select count(*) from p"
        case .totalAgeInCity: "select sum(a) from p"
        case .maxAgeInCity: "select max(a) from p"
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
