/// What can go wrong in a measurement, with the values that show it.
enum BenchmarkError: Error, CustomStringConvertible {
    /// A generation stopped before the tokens the rate counts.
    case shortGeneration(expected: Int, got: [Int])
    /// A reference file from the Python side is missing or does not have the expected shape.
    case badReference(path: String, reason: String)

    var description: String {
        switch self {
        case .shortGeneration(let expected, let got):
            "a generation stopped early: expected \(expected) new tokens per sequence, got \(got)"
        case .badReference(let path, let reason): "reference \(path): \(reason)"
        }
    }
}
