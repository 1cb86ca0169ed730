/// Where a `BinaryEncodingContext` puts raw arrays too large to copy into the value's buffer.
///
/// Such an array is written as a `blob` value that names its index here. The coder knows nothing
/// of what happens to the bytes: the actor system sends each as a ZeroMQ frame of its own.
public protocol OutOfBandSink: AnyObject {
    /// Raw arrays of at least this many bytes go out of band.
    var threshold: Int { get }
    /// Keeps a copy of `bytes` (the caller's buffer does not outlive the call) and returns its index.
    func append(_ bytes: UnsafeRawBufferPointer) -> Int
}

/// The out-of-band arrays that `blob` values in a buffer being decoded refer to, by index.
public protocol OutOfBandSource {
    /// The number of arrays.
    var count: Int { get }
    /// Calls `body` with the bytes of array `index` (less than `count`), valid only inside `body`.
    func withBytes<R>(at index: Int, _ body: (UnsafeRawBufferPointer) throws -> R) throws -> R
}
