import Testing

@testable import Tokenizers

@Suite("Tokenizers: streaming UTF-8 decoding")
struct UTF8StreamDecoderTests {
    @Test func neverEmitsHalfACharacter() {
        var decoder = UTF8StreamDecoder()
        let bytes = Array("é🚀".utf8)  // C3 A9 F0 9F 9A 80
        #expect(decoder.push(bytes[0..<1]) == "")
        #expect(decoder.isHoldingBytes)
        #expect(decoder.push(bytes[1..<3]) == "é")
        #expect(decoder.push(bytes[3..<5]) == "")
        #expect(decoder.push(bytes[5..<6]) == "🚀")
        #expect(decoder.finish() == "")
    }

    @Test func invalidAndUnfinishedSequencesBecomeReplacementCharacters() {
        var decoder = UTF8StreamDecoder()
        #expect(decoder.push([0x41, 0xFF, 0x42]) == "A\u{FFFD}B")
        #expect(decoder.push([0xE6, 0x9D]) == "")
        #expect(decoder.push([0x41]) == "\u{FFFD}A", "a lead byte cut short by ASCII is one U+FFFD")
        #expect(decoder.push([0xF0, 0x9F]) == "")
        #expect(decoder.finish() == "\u{FFFD}")
        #expect(!decoder.isHoldingBytes)
    }

    /// Random bytes (half of them valid text) cut at random places: the pieces joined equal decoding the whole.
    @Test func piecesJoinedEqualDecodingTheWhole() {
        let seed = UInt64.random(in: 0...UInt64.max)
        print("UTF8StreamDecoderTests seed: \(seed)")
        var generator = SeededGenerator(seed: seed)
        let sample = Array("aé€🚀東\u{10FFFF}".utf8)
        for round in 0..<2000 {
            let count = Int.random(in: 0...40, using: &generator)
            let bytes: [UInt8] = (0..<count).map { _ in
                Bool.random(using: &generator)
                    ? sample[Int.random(in: 0..<sample.count, using: &generator)] : UInt8.random(in: 0...255, using: &generator)
            }
            var decoder = UTF8StreamDecoder()
            var text = ""
            var start = 0
            while start < bytes.count {
                let end = min(bytes.count, start + Int.random(in: 1...5, using: &generator))
                text += decoder.push(bytes[start..<end])
                start = end
            }
            text += decoder.finish()
            #expect(text == String(decoding: bytes, as: UTF8.self), "seed \(seed), round \(round): \(bytes)")
        }
    }
}

/// SplitMix64: a seeded generator, so a failing random test can be replayed from its printed seed.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
