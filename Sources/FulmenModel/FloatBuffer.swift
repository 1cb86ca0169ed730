/// A pointer to Float32 values; every kernel in this module reads and writes through one.
package typealias FloatPointer = UnsafeMutablePointer<Float>

/// Owns one contiguous, 64-byte aligned, zero-initialised block of Float32 values.
///
/// Parameters, gradients, optimizer moments and activations each live in one such block and are cut into
/// named regions by offset (see ``ParameterLayout`` and ``Activations``), as llm.c does, so that
/// whole-model passes (AdamW, clipping, checkpoints) are single loops over one array.
package final class FloatBuffer {
    /// The number of Float32 values.
    package let count: Int
    /// The first value; valid for `count` values until the buffer is released.
    package let base: FloatPointer

    package init(count: Int) {
        precondition(count >= 0, "FloatBuffer: negative count \(count)")
        self.count = count
        let raw = UnsafeMutableRawPointer.allocate(byteCount: max(count, 1) * MemoryLayout<Float>.stride, alignment: 64)
        base = raw.bindMemory(to: Float.self, capacity: max(count, 1))
        base.initialize(repeating: 0, count: count)
    }

    deinit { base.deallocate() }

    /// Sets every value to zero.
    package func zero() { base.update(repeating: 0, count: count) }

    /// The values at `offset ..< offset + count` as an array.
    package func copy(offset: Int = 0, count: Int) -> [Float] {
        precondition(offset >= 0 && offset + count <= self.count, "FloatBuffer: range out of bounds")
        return Array(UnsafeBufferPointer(start: base + offset, count: count))
    }
}
