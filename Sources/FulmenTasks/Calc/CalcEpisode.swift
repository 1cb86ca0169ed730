/// One calc episode, as the agent and the scripted policies play it.
///
/// The prompt is `Q:{a}{op}{b}\n`. The model writes a calculator call `C:{a}{op}{b}\n`; the calculator
/// appends `R:{result}\n` (or `R:ERR\n`); the model answers `A:{result}\n`. The second call's prompt is
/// exactly the first's plus its response plus the observation (a growing transcript). The reward is 1 when
/// the answer line is exactly `A:{answer}\n`, with partial credit below 1 for a near miss (see
/// ``reward(for:problem:)``).
package enum CalcEpisode {
    package static func play<Host: TurnHost>(_ problem: CalcProblem, host: inout Host) async throws -> Double {
        try problem.validate()
        let limit = maxTokens(for: problem)
        var prompt = host.encode("Q:\(problem.expression)\n")
        let call = try await host.respond(to: prompt, maxTokens: limit)
        let callText = host.decode(call)
        let observation = try await host.tool("calculator", input: callText) {
            Calculator.observation(for: callText)
        }
        prompt += call + host.encode(observation)
        let answer = try await host.respond(to: prompt, maxTokens: limit)
        return reward(for: host.decode(answer), problem: problem)
    }

    /// The most a wrong answer earns: the whole share of ``reward(for:problem:)``'s partial credit.
    static let partialCreditLimit = 0.5

    /// 1 for exactly `A:{answer}\n`. A wrong answer line of the same form and length earns partial credit:
    /// ``partialCreditLimit`` times the share of its characters (sign and digits) that match the right
    /// answer's in the same place; any other line earns 0.
    ///
    /// Success stays the exact answer (``CalcTask/isSuccess(reward:)``). The partial credit ranks the
    /// misses: an all-or-nothing reward on a five-digit product is rarely earned by chance, so a group of
    /// rollouts that all miss would give no gradient, whereas each digit copied from the calculator instead
    /// of guessed earns a little more than its group's others.
    static func reward(for answerLine: String, problem: CalcProblem) -> Double {
        let right = String(problem.answer)
        guard answerLine.hasPrefix("A:"), answerLine.hasSuffix("\n") else { return 0 }
        let given = answerLine.dropFirst(2).dropLast()
        if given == right { return 1 }
        guard given.count == right.count, Int(given).map(String.init) == String(given) else { return 0 }
        let matching = zip(given, right).filter { $0 == $1 }.count
        return partialCreditLimit * Double(matching) / Double(right.count)
    }

    /// Each model call's token limit: the length of the right call line plus 2, which the right answer
    /// line never exceeds (12 for operands of up to 3 digits).
    static func maxTokens(for problem: CalcProblem) -> Int {
        "C:\(problem.expression)\n".utf8.count + 2
    }

    /// The longest context an episode on operands of at most `digits` digits can need: the question, two
    /// responses at the limit, and the longest observation (a 64-bit result and its sign).
    static func contextLength(digits: Int) -> Int {
        let question = 2 * digits + 4
        let response = 2 * digits + 6
        let longestObservation = "R:\(Int.min)\n".utf8.count
        return question + response + longestObservation + response
    }
}
