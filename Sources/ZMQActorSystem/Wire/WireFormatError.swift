public import BinaryCoding

/// Bytes that do not form a valid message of Fulmen's wire format: the envelope (`Envelope`) is
/// read with the shared binary coding's `ByteReader`, and the values it carries are decoded by
/// `BinaryDecodingContext`, so both fail with the binary coding's error.
public typealias WireFormatError = BinaryFormatError

/// The envelope's writer and reader are the shared binary coding's (frames are handed to libzmq
/// without a copy: see `ByteWriter.take()`).
typealias ByteWriter = BinaryCoding.ByteWriter
typealias ByteReader = BinaryCoding.ByteReader
