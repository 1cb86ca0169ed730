/// The calc task's tool: evaluates a calculator call line `C:{a}{op}{b}\n` the model wrote, where the
/// operands are unsigned decimal integers of at most 18 digits and `op` is `+`, `-` or `*`.
enum Calculator {
    /// The observation for a call: `R:{result}\n`, or `R:ERR\n` when the call is malformed (not one line
    /// of that form) or its result overflows a 64-bit integer.
    static func observation(for call: String) -> String {
        guard let value = evaluate(call) else { return "R:ERR\n" }
        return "R:\(value)\n"
    }

    static func evaluate(_ call: String) -> Int? {
        let bytes = Array(call.utf8)
        guard bytes.count > 3, bytes.starts(with: Array("C:".utf8)), bytes.last == UInt8(ascii: "\n") else {
            return nil
        }
        let expression = bytes[2..<(bytes.count - 1)]
        guard
            let opIndex = expression.firstIndex(where: { !isDigit($0) }),
            let operation = CalcProblem.Operation(rawValue: String(UnicodeScalar(expression[opIndex]))),
            let a = number(expression[expression.startIndex..<opIndex]),
            let b = number(expression[(opIndex + 1)...])
        else { return nil }
        return operation.apply(a, b)
    }

    private static func isDigit(_ byte: UInt8) -> Bool { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) }

    /// An unsigned decimal of 1 to 18 digits (so it fits `Int`), or `nil`.
    private static func number(_ digits: ArraySlice<UInt8>) -> Int? {
        guard (1...18).contains(digits.count), digits.allSatisfy(isDigit) else { return nil }
        return digits.reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) }
    }
}
