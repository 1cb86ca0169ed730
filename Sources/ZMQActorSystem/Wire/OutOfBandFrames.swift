import BinaryCoding
import ZeroMQ

extension ByteWriter {
    /// Hands the bytes over as a frame libzmq sends without a copy; the writer is consumed.
    consuming func take() -> OwnedBytes {
        let buffer = takeBuffer()
        return OwnedBytes(mallocated: buffer.base, count: buffer.count)
    }

    /// Hands over the bytes written so far as a frame, and starts again with an empty buffer.
    mutating func takeAndReset() -> OwnedBytes {
        let buffer = takeBufferAndReset()
        return OwnedBytes(mallocated: buffer.base, count: buffer.count)
    }
}

/// The out-of-band frames of a message being encoded: raw arrays of `threshold` bytes or more
/// (`Settings.blobThreshold`), each copied once into a frame of its own that libzmq sends without
/// copying again. The binary coding writes a `blob` value naming the frame's index (frame 1 is
/// index 0).
final class OutgoingFrames: OutOfBandSink {
    let threshold: Int
    private var frames: [OwnedBytes] = []

    init(threshold: Int) {
        self.threshold = threshold
    }

    func append(_ bytes: UnsafeRawBufferPointer) -> Int {
        frames.append(OwnedBytes(copying: bytes))
        return frames.count - 1
    }

    /// Takes the frames written so far.
    func take() -> [OwnedBytes] {
        var taken: [OwnedBytes] = []
        swap(&taken, &frames)
        return taken
    }
}

/// The out-of-band frames of a received message (frames 1…), which its `blob` values refer to,
/// read in place.
///
/// Holds the whole message's array rather than a slice of it: one word fits an existential's inline
/// storage, so handing it to the decoder as `any OutOfBandSource` allocates nothing.
struct ReceivedFrames: OutOfBandSource {
    let message: [Message]

    var count: Int { message.count - 1 }

    func withBytes<R>(at index: Int, _ body: (UnsafeRawBufferPointer) throws -> R) throws -> R {
        try message[1 + index].withUnsafeBytes(body)
    }
}
