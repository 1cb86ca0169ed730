import FulmenModel
public import Tokenizers

/// Multi-digit arithmetic the model cannot do in its head: it must call a calculator and then answer
/// (see ``CalcEpisode`` for the exact format). Problems are `a op b` with `op` in `+ - *` and operands
/// whose digit counts are drawn uniformly from ``digits`` (2 to 3 by default).
public struct CalcTask: BundledTask {
    /// The task's name, `calc`.
    public static let name = "calc"

    /// How many digits an operand may have; within 1...``CalcProblem/maximumDigits``.
    public var digits: ClosedRange<Int>

    public init(digits: ClosedRange<Int> = 2...3) {
        self.digits = digits
    }

    public var name: String { Self.name }
    public var contextLength: Int { CalcEpisode.contextLength(digits: digits.upperBound) }

    /// Distinct problems; training and validation share none.
    /// - Throws: ``TaskError/invalidConfiguration(task:reason:)`` when ``digits`` is outside
    ///   1...``CalcProblem/maximumDigits`` or holds fewer problems than asked.
    public func split(seed: UInt64, trainCount: Int, validationCount: Int) throws(TaskError) -> TaskSplit<CalcProblem> {
        guard digits.lowerBound >= 1, digits.upperBound <= CalcProblem.maximumDigits else {
            throw .invalidConfiguration(
                task: name, reason: "digits \(digits) is outside 1...\(CalcProblem.maximumDigits)")
        }
        return try TaskSplit.draw(
            task: name, seed: seed, trainCount: trainCount, validationCount: validationCount, key: { $0 }
        ) { random in
            CalcProblem(
                operand(&random), CalcProblem.Operation.allCases.randomElement(using: &random)!, operand(&random))
        }
    }

    /// A number with a digit count drawn uniformly from ``digits`` (1 digit includes 0).
    private func operand(_ random: inout SeededRandom) -> Int {
        let count = Int.random(in: digits, using: &random)
        var power = 1
        for _ in 1..<count { power *= 10 }
        return Int.random(in: (count == 1 ? 0 : power)..<(power * 10), using: &random)
    }

    public func expert(for input: CalcProblem) throws(TaskError) -> CalcExpert {
        try input.validate()
        return CalcExpert()
    }

    /// The expert with a blind spot for multiplication (see ``CalcImperfectDemonstrator``).
    /// - Throws: ``TaskError/invalidInput(task:reason:)`` naming an operand out of range.
    public func imperfectDemonstrator(for input: CalcProblem) throws(TaskError) -> CalcImperfectDemonstrator {
        try input.validate()
        return CalcImperfectDemonstrator()
    }

    public func play<Policy: ScriptedPolicy>(
        _ input: CalcProblem, with policy: Policy, tokenizer: any TextTokenizer
    ) async throws -> ScriptedEpisode {
        var host = ScriptedHost(policy: policy, tokenizer: tokenizer)
        let reward = try await CalcEpisode.play(input, host: &host)
        return host.episode(reward: reward)
    }

    /// Solved when the answer was exact (reward 1).
    public func isSuccess(reward: Double) -> Bool { reward >= 1 }
}
