/// A dense, row-major Float32 array with a shape: how parameters and outputs leave the engine.
public struct Tensor: Sendable, Equatable {
    /// Size of each dimension, outermost first.
    public var shape: [Int]
    /// The values, row-major; `scalars.count` is the product of `shape`.
    public var scalars: [Float]

    /// Creates a tensor; the number of scalars must equal the product of the shape.
    public init(shape: [Int], scalars: [Float]) {
        precondition(shape.reduce(1, *) == scalars.count, "Tensor: \(scalars.count) scalars do not fill shape \(shape)")
        self.shape = shape
        self.scalars = scalars
    }

    /// The number of values.
    public var count: Int { scalars.count }
}

extension Tensor {
    /// The index of the largest value of each row of a matrix (the first on ties): the greedy token of each position
    /// of a (T, V) logits tensor. Here rather than in callers because FulmenModel is compiled optimised even in
    /// debug builds, where a scan of 49,152 logits per position is otherwise slow.
    package func rowArgmax() -> [Int] {
        precondition(shape.count == 2, "rowArgmax needs a matrix, got shape \(shape)")
        let (rows, columns) = (shape[0], shape[1])
        return scalars.withUnsafeBufferPointer { values in
            (0..<rows).map { row in
                let base = row * columns
                var best = 0
                for column in 1..<columns where values[base + column] > values[base + best] { best = column }
                return best
            }
        }
    }
}
