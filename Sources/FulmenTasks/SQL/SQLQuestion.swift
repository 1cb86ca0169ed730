/// One sql question: a templated question about the people of one generated database.
///
/// Its JSON is e.g. `{"database": 4017, "kind": "ageOf", "argument": "Ada"}`. The database is generated
/// from its seed (see ``SQLTask``), so the input stays small and the answer is computed from the same data
/// SQLite holds.
public struct SQLQuestion: Codable, Sendable, Hashable, CustomStringConvertible {
    /// The question templates. Each names what ``SQLQuestion/argument`` holds.
    public enum Kind: String, Codable, Sendable, CaseIterable {
        /// "count in Oslo?": how many people live in a city (argument: one of the task's cities; may be 0).
        case countInCity
        /// "age of Ada?" (argument: a name in the database).
        case ageOf
        /// "city of Ada?" (argument: a name in the database).
        case cityOf
        /// "max age in Oslo?" (argument: a city someone in the database lives in).
        case maxAgeInCity
        /// "count over 40?": how many are older than the argument (argument: a whole number of years, 0...120).
        case countOlderThan
        /// "total age in Oslo?" (argument: a city someone in the database lives in).
        case totalAgeInCity
        /// "oldest person?": the name of the oldest (argument: empty).
        case oldest
    }

    /// The seed the database is generated from.
    public var database: UInt64
    public var kind: Kind
    public var argument: String

    public init(database: UInt64, kind: Kind, argument: String = "") {
        self.database = database
        self.kind = kind
        self.argument = argument
    }

    /// The question as the prompt asks it, e.g. `age of Ada?`.
    public var question: String {
        switch kind {
        case .countInCity: "count in \(argument)?"
        case .ageOf: "age of \(argument)?"
        case .cityOf: "city of \(argument)?"
        case .maxAgeInCity: "max age in \(argument)?"
        case .countOlderThan: "count over \(argument)?"
        case .totalAgeInCity: "total age in \(argument)?"
        case .oldest: "oldest person?"
        }
    }

    public var description: String { "\(question) (database \(database))" }

    /// The answer, as the model must write it after `A:`, computed from `people` without SQL.
    /// - Throws: ``TaskError/invalidInput(task:reason:)`` when the argument does not fit the kind or the
    ///   database.
    func answer(over people: [Person]) throws(TaskError) -> String {
        func invalid(_ reason: String) -> TaskError {
            .invalidInput(task: SQLTask.name, reason: "\(kind.rawValue) question on database \(database): \(reason)")
        }
        func person() throws(TaskError) -> Person {
            guard let person = people.first(where: { $0.name == argument }) else {
                throw invalid("nobody is named '\(argument)' (names: \(people.map(\.name).joined(separator: ", ")))")
            }
            return person
        }
        func residents(mustExist: Bool) throws(TaskError) -> [Person] {
            guard People.cities.contains(argument) else {
                throw invalid("'\(argument)' is not a city (cities: \(People.cities.joined(separator: ", ")))")
            }
            let residents = people.filter { $0.city == argument }
            if mustExist && residents.isEmpty { throw invalid("nobody lives in \(argument)") }
            return residents
        }
        switch kind {
        case .countInCity: return String(try residents(mustExist: false).count)
        case .ageOf: return String(try person().age)
        case .cityOf: return try person().city
        case .maxAgeInCity: return String(try residents(mustExist: true).map(\.age).max()!)
        case .totalAgeInCity: return String(try residents(mustExist: true).map(\.age).reduce(0, +))
        case .countOlderThan:
            guard let years = Int(argument), (0...120).contains(years) else {
                throw invalid("'\(argument)' is not a whole number of years from 0 to 120")
            }
            return String(people.filter { $0.age > years }.count)
        case .oldest:
            guard argument.isEmpty else { throw invalid("it takes no argument, got '\(argument)'") }
            return people.max { $0.age < $1.age }!.name
        }
    }

    /// The SQL that answers the question, as the expert writes it.
    var sql: String {
        switch kind {
        case .countInCity: "select count(*) from p where c='\(argument)'"
        case .ageOf: "select a from p where n='\(argument)'"
        case .cityOf: "select c from p where n='\(argument)'"
        case .maxAgeInCity: "select max(a) from p where c='\(argument)'"
        case .countOlderThan: "select count(*) from p where a>\(argument)"
        case .totalAgeInCity: "select sum(a) from p where c='\(argument)'"
        case .oldest: "select n from p order by a desc limit 1"
        }
    }
}
