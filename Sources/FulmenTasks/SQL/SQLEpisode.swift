import FulmenModel

/// One sql episode, as the agent and the scripted policies play it.
///
/// The prompt is the question, `Q:{question}\n`. Each turn the model writes one line:
/// - `S:{sql}\n` runs the SQL on the episode's database (a tool call named `sqlite`), and the observation
///   `R:{result}\n` or `E:{SQLite's error message}\n` is appended (see ``SQLSandbox``);
/// - `A:{answer}\n` ends the episode: reward 1 when the line is exactly the right answer, else 0;
/// - anything else is answered `E:expected S:<sql> or A:<answer>\n` and uses up a query.
///
/// After `maxQueries` queries the next line is the answer, whatever it says. Every prompt is the previous
/// prompt plus its response plus the observation (a growing transcript). A query may be up to
/// ``queryMaxTokens`` tokens and an answer ``answerMaxTokens``, each cut to what the context has left; an
/// episode whose context is full ends with reward 0. With 128 tokens (`tiny`), a question, a query at the
/// limit, the longest observation and an answer fit (124 tokens); a retry after an error needs `small`.
package enum SQLEpisode {
    static let queryMaxTokens = 48
    static let answerMaxTokens = 12
    static let malformed = "E:expected S:<sql> or A:<answer>\n"

    package static func play<Host: TurnHost>(
        _ question: SQLQuestion, maxQueries: Int, contextLength: Int, host: inout Host
    ) async throws -> Double {
        let people = People.generate(seed: question.database)
        let expected = "A:\(try question.answer(over: people))\n"
        let sandbox = try SQLSandbox(people: people)
        var prompt = host.encode("Q:\(question.question)\n")
        var queries = 0
        while true {
            let mayQuery = queries < maxQueries
            let limit = min(mayQuery ? queryMaxTokens : answerMaxTokens, contextLength - prompt.count)
            guard limit > 0 else { return 0 }
            let response = try await host.respond(to: prompt, maxTokens: limit)
            let text = host.decode(response)
            if !mayQuery || text.hasPrefix("A:") { return text == expected ? 1 : 0 }
            queries += 1
            let observation: String
            if text.hasPrefix("S:") {
                var sql = text.dropFirst(2)
                if sql.hasSuffix("\n") { sql = sql.dropLast() }
                let statement = String(sql)
                observation = try await host.tool("sqlite", input: statement) {
                    await sandbox.observation(running: statement)
                }
            } else {
                observation = malformed
            }
            prompt += response + host.encode(observation)
        }
    }
}
