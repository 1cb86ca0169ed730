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
