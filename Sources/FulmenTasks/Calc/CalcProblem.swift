/// One calc problem: two non-negative operands and an operation, e.g. `123*45`.
///
/// Its JSON is `{"a": 123, "op": "*", "b": 45}`.
public struct CalcProblem: Codable, Sendable, Hashable, CustomStringConvertible {
    /// An arithmetic operation on integers.
    public enum Operation: String, Codable, Sendable, CaseIterable {
        case add = "+"
        case subtract = "-"
        case multiply = "*"

        /// `a op b`, or `nil` when the result overflows `Int`.
        func apply(_ a: Int, _ b: Int) -> Int? {
            let (value, overflow) =
                switch self {
                case .add: a.addingReportingOverflow(b)
                case .subtract: a.subtractingReportingOverflow(b)
                case .multiply: a.multipliedReportingOverflow(by: b)
                }
            return overflow ? nil : value
        }
    }

    /// The most digits an operand may have.
    public static let maximumDigits = 9

    public var a: Int
    public var operation: Operation
    public var b: Int

    public init(_ a: Int, _ operation: Operation, _ b: Int) {
        self.a = a
        self.operation = operation
        self.b = b
    }

    private enum CodingKeys: String, CodingKey {
        case a
        case operation = "op"
        case b
    }

    /// The expression as the prompt and the calculator call spell it, e.g. `123*45`.
    public var expression: String { "\(a)\(operation.rawValue)\(b)" }

    public var description: String { expression }

    /// The exact result. Operands within ``maximumDigits`` cannot overflow.
    public var answer: Int { operation.apply(a, b) ?? 0 }

    /// Checks the operands are non-negative with at most ``maximumDigits`` digits.
    /// - Throws: ``TaskError/invalidInput(task:reason:)`` naming the operand that is not.
    func validate() throws(TaskError) {
        let limit = 999_999_999
        for (name, value) in [("a", a), ("b", b)] where !(0...limit).contains(value) {
            throw .invalidInput(
                task: CalcTask.name,
                reason: "operand \(name) is \(value); operands must be between 0 and \(limit) "
                    + "(at most \(Self.maximumDigits) digits)")
        }
    }
}
