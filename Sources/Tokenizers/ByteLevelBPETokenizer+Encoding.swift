extension ByteLevelBPETokenizer {
    /// The token ids of `text`, without BOS or EOS (see the type's rules). User-defined tokens are always matched;
    /// control tokens only when `parsingSpecialTokens`.
    public func encode(_ text: String, parsingSpecialTokens: Bool) -> [Int32] {
        var output: [Int32] = []
        output.reserveCapacity(text.utf8.count / 3 + 4)
        var merger = BPEMerger()
        let matcher = parsingSpecialTokens ? specialMatcher : userDefinedMatcher
        if matcher.isEmpty {
            encodeOrdinary(Substring(text), merger: &merger, into: &output)
            return output
        }
        let bytes = Array(text.utf8)
        matcher.scan(
            bytes,
            text: { range in
                // Matches end on whole UTF-8 sequences, so every stretch between them is valid UTF-8.
                let stretch = String(decoding: bytes[range], as: UTF8.self)
                encodeOrdinary(Substring(stretch), merger: &merger, into: &output)
            },
            token: { output.append($0) })
        return output
    }

    /// Pre-tokenizes and merges text with no special tokens in it.
    private func encodeOrdinary(_ text: Substring, merger: inout BPEMerger, into output: inout [Int32]) {
        let classified = ClassifiedText(text)
        let pieces = preTokenizer.split(classified)
        var utf8 = Array(text.utf8)
        var symbols: [Int32] = []
        utf8.withUnsafeMutableBufferPointer { bytes in
            for piece in pieces {
                symbols.removeAll(keepingCapacity: true)
                for offset in classified.utf8Offsets[piece.lowerBound]..<classified.utf8Offsets[piece.upperBound] {
                    let token = byteTokens[Int(bytes[offset])]
                    if token >= 0 { symbols.append(token) }
                }
                merger.merge(symbols, with: merges, into: &output)
            }
        }
    }
}
