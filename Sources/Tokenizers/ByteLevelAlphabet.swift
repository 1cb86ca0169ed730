/// GPT-2's byte-level alphabet: every byte drawn as a printable Unicode scalar, so that a vocabulary of byte
/// sequences can be written as text (in GGUF's `tokenizer.ggml.tokens` and in `tokenizer.json`).
///
/// The 188 bytes that are printable Latin-1 (`!`…`~`, `¡`…`¬`, `®`…`ÿ`) stand for themselves; the other 68 (controls,
/// space, DEL, NBSP, soft hyphen) take the scalars from U+0100 upwards in byte order, so a space is `Ġ` (U+0120) and
/// a newline `Ċ` (U+010A).
enum ByteLevelAlphabet {
    /// The scalar that draws each byte.
    static let scalarOfByte: [Unicode.Scalar] = {
        var table = [Unicode.Scalar](repeating: "\0", count: 256)
        var next: UInt32 = 256
        for byte in 0..<256 {
            if isPrintable(UInt8(byte)) {
                table[byte] = Unicode.Scalar(UInt8(byte))
            } else {
                table[byte] = Unicode.Scalar(next)!
                next += 1
            }
        }
        return table
    }()

    /// The byte each drawing scalar stands for, by scalar value (0..<324).
    static let byteOfScalar: [Int16] = {
        var table = [Int16](repeating: -1, count: 324)
        for (byte, scalar) in scalarOfByte.enumerated() { table[Int(scalar.value)] = Int16(byte) }
        return table
    }()

    /// The bytes a token's text stands for. A scalar outside the alphabet (an added token's text can hold any)
    /// stands for its own UTF-8 bytes.
    static func bytes(ofTokenText text: String) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            if scalar.value < 324, case let byte = byteOfScalar[Int(scalar.value)], byte >= 0 {
                bytes.append(UInt8(byte))
            } else {
                bytes.append(contentsOf: String(scalar).utf8)
            }
        }
        return bytes
    }

    /// The token text drawing `bytes`.
    static func text(ofBytes bytes: some Sequence<UInt8>) -> String {
        var scalars = String.UnicodeScalarView()
        for byte in bytes { scalars.append(scalarOfByte[Int(byte)]) }
        return String(scalars)
    }

    private static func isPrintable(_ byte: UInt8) -> Bool {
        (0x21...0x7E).contains(byte) || (0xA1...0xAC).contains(byte) || (0xAE...0xFF).contains(byte)
    }
}
