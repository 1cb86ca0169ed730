/// The calc task's imperfect demonstrator: the expert, except that it does not trust the calculator with
/// multiplication (``blindSpot``).
///
/// On every problem it copies the question into the calculator call, as the expert does (the episode
/// always makes that call). On `+` and `-` it then copies the calculator's result into the answer and is
/// always right. On three products in four it ignores the result and answers from its head: each operand
/// rounded down to its leading digit, multiplied (`123*45` → `A:4000`, where the calculator said
/// `R:5535`), which is right only when both operands already are one digit followed by zeros (or one is
/// 0): on the default 2-to-3-digit problems, about 1 in 300 products. On the fourth, picked so that no
/// model can tell which (``BlindSpotLapse``), it copies the result as for `+` and `-`. With the three
/// operations equally likely it solves about three problems in four (measured: 76% of a 300-problem
/// validation split, 29% of its products), and a warm start trained on it answers products from its head.
///
/// The right behaviour for `*` is the one it shows for `+` and `-` and for some products (copy the `R:`
/// line), in the same format, so reinforcement learning can find it from reward alone.
public struct CalcImperfectDemonstrator: ScriptedPolicy, Sendable {
    /// The operation it answers without the calculator's result: multiplication.
    public static let blindSpot = CalcProblem.Operation.multiply

    public init() {}

    public func respond(to prompt: String) -> String {
        let lines = prompt.split(separator: "\n")
        let last = lines.last.map(String.init) ?? ""
        if last.hasPrefix("Q:") { return "C:" + last.dropFirst(2) + "\n" }
        if last.hasPrefix("R:") {
            if let question = lines.first, question.hasPrefix("Q:"), let guess = Self.guess(question.dropFirst(2)) {
                return "A:\(guess)\n"
            }
            return "A:" + last.dropFirst(2) + "\n"
        }
        return "A:\n"
    }

    /// The answer it makes up for `expression` when its operation is the blind spot: the operation on the
    /// operands rounded down to their leading digit; `nil` for any other operation (or a malformed one),
    /// and for the products it copies (``BlindSpotLapse``).
    static func guess(_ expression: Substring) -> Int? {
        guard !BlindSpotLapse.playsRight(String(expression)),
            let index = expression.firstIndex(where: { !$0.isASCII || !$0.isNumber }),
            CalcProblem.Operation(rawValue: String(expression[index])) == blindSpot,
            let a = Int(expression[..<index]), let b = Int(expression[expression.index(after: index)...])
        else { return nil }
        return blindSpot.apply(roundedDown(a), roundedDown(b))
    }

    /// `value` with every digit after the first made 0 (`123` → `100`, `7` → `7`).
    static func roundedDown(_ value: Int) -> Int {
        var power = 1
        while value / power >= 10 { power *= 10 }
        return value / power * power
    }
}
