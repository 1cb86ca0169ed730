import FulmenModel

/// One calc episode, as the agent and the scripted policies play it.
///
/// The prompt is `Q:{a}{op}{b}\n`. The model writes a calculator call `C:{a}{op}{b}\n`; the calculator
/// appends `R:{result}\n` (or `R:ERR\n`); the model answers `A:{result}\n`. The second call's prompt is
/// exactly the first's plus its response plus the observation (a growing transcript). The reward is 1 when
/// the answer line is exactly `A:{answer}\n`, else 0.
enum CalcEpisode {
    static func play<Host: TurnHost>(_ problem: CalcProblem, host: inout Host) async throws -> Double {
        try problem.validate()
        let limit = maxTokens(for: problem)
        var prompt = Tokenizer.encode("Q:\(problem.expression)\n")
        let call = try await host.respond(to: prompt, maxTokens: limit)
        let callText = Tokenizer.decode(call)
        let observation = try await host.tool("calculator", input: callText) {
            Calculator.observation(for: callText)
        }
        prompt += call + Tokenizer.encode(observation)
        let answer = try await host.respond(to: prompt, maxTokens: limit)
        return answer == Tokenizer.encode("A:\(problem.answer)\n") ? 1 : 0
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
