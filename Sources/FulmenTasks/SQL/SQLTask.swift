import FulmenModel
public import Tokenizers

/// Questions over a small SQLite database generated per question: the agent writes SQL, SQLite runs it
/// for real (wrong SQL gets SQLite's own error message back), and the agent answers from the result.
///
/// Every database has one table, `p (n TEXT, c TEXT, a INTEGER)`: 8 people's names, cities and ages (see
/// ``SQLQuestion/Kind`` for the questions). The schema is the same everywhere, and not in the prompt: the
/// model learns it from demonstrations and from SQLite's errors, which keeps episodes within `tiny`'s
/// 128 tokens.
public struct SQLTask: BundledTask {
    /// The task's name, `sql`.
    public static let name = "sql"
    /// The table every database holds.
    public static let schema = People.schema

    /// How many queries an episode may run before it must answer (at least 1).
    public var maxQueries: Int
    /// The policy model's context length (at least 128).
    public var contextLength: Int

    public init(maxQueries: Int = 2, contextLength: Int = 128) {
        self.maxQueries = maxQueries
        self.contextLength = contextLength
    }

    public var name: String { Self.name }

    /// Questions on distinct databases; training and validation share no database.
    /// - Throws: ``TaskError/invalidConfiguration(task:reason:)`` when ``maxQueries`` or
    ///   ``contextLength`` is too small.
    public func split(seed: UInt64, trainCount: Int, validationCount: Int) throws(TaskError) -> TaskSplit<SQLQuestion> {
        try validateConfiguration()
        return try TaskSplit.draw(
            task: name, seed: seed, trainCount: trainCount, validationCount: validationCount, key: \.database
        ) { random in
            let database = random.next() & 0xFFFF_FFFF
            let people = People.generate(seed: database)
            let kind = SQLQuestion.Kind.allCases.randomElement(using: &random)!
            let argument: String =
                switch kind {
                case .countInCity: People.cities.randomElement(using: &random)!
                case .ageOf, .cityOf: people.randomElement(using: &random)!.name
                case .maxAgeInCity, .totalAgeInCity: people.randomElement(using: &random)!.city
                case .countOlderThan: String(Int.random(in: 20...75, using: &random))
                case .oldest: ""
                }
            return SQLQuestion(database: database, kind: kind, argument: argument)
        }
    }

    private func validateConfiguration() throws(TaskError) {
        guard maxQueries >= 1 else {
            throw .invalidConfiguration(task: name, reason: "maxQueries is \(maxQueries); it must be at least 1")
        }
        guard contextLength >= 128 else {
            throw .invalidConfiguration(
                task: name, reason: "contextLength is \(contextLength); an episode needs at least 128 tokens")
        }
    }

    public func expert(for input: SQLQuestion) throws(TaskError) -> SQLExpert {
        _ = try input.answer(over: People.generate(seed: input.database))
        return SQLExpert(question: input)
    }

    /// The expert with a blind spot for city filters when counting or summing (see
    /// ``SQLImperfectDemonstrator``).
    /// - Throws: ``TaskError/invalidInput(task:reason:)`` when the argument does not fit the question or
    ///   its database.
    public func imperfectDemonstrator(for input: SQLQuestion) throws(TaskError) -> SQLImperfectDemonstrator {
        _ = try input.answer(over: People.generate(seed: input.database))
        return SQLImperfectDemonstrator(question: input)
    }

    public func play<Policy: ScriptedPolicy>(
        _ input: SQLQuestion, with policy: Policy, tokenizer: any TextTokenizer
    ) async throws -> ScriptedEpisode {
        var host = ScriptedHost(policy: policy, tokenizer: tokenizer)
        let reward = try await SQLEpisode.play(
            input, maxQueries: maxQueries, contextLength: contextLength, host: &host)
        return host.episode(reward: reward)
    }

    /// Solved when the answer was exact (reward 1).
    public func isSuccess(reward: Double) -> Bool { reward >= 1 }
}
