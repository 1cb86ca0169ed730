/// Llama 3's pre-tokenizer split as a scanner:
/// `(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`.
/// At each position the first alternative that matches wins, as in the regex.
enum Llama3Split {
    static func split(_ text: ClassifiedText, from start: Int, to end: Int, into pieces: inout [Range<Int>]) {
        var index = start
        while index < end {
            let next = pieceEnd(text, at: index, end: end)
            pieces.append(index..<next)
            index = next
        }
    }

    private static func isLineBreak(_ scalar: Unicode.Scalar) -> Bool { scalar == "\r" || scalar == "\n" }

    private static func pieceEnd(_ text: ClassifiedText, at index: Int, end: Int) -> Int {
        if let contraction = GPT2Split.contractionEnd(text, at: index, end: end, ignoringCase: true) {
            return contraction
        }
        let kind = text.classes[index]
        // `[^\r\n\p{L}\p{N}]?\p{L}+`
        if kind == .letter { return text.runEnd(of: .letter, from: index, to: end) }
        if kind != .number, !isLineBreak(text.scalars[index]), index + 1 < end, text.classes[index + 1] == .letter {
            return text.runEnd(of: .letter, from: index + 1, to: end)
        }
        // `\p{N}{1,3}`
        if kind == .number { return min(text.runEnd(of: .number, from: index, to: end), index + 3) }
        // ` ?[^\s\p{L}\p{N}]+[\r\n]*`
        let body = text.isASCII(index, " ") && index + 1 < end ? index + 1 : index
        if text.classes[body] == .other {
            var pieceEnd = text.runEnd(of: .other, from: body, to: end)
            while pieceEnd < end, isLineBreak(text.scalars[pieceEnd]) { pieceEnd += 1 }
            return pieceEnd
        }
        // `\s*[\r\n]+`: the whitespace run up to its last line break, if it has one.
        let runEnd = text.runEnd(of: .whitespace, from: index, to: end)
        if let lastBreak = (index..<runEnd).last(where: { isLineBreak(text.scalars[$0]) }) { return lastBreak + 1 }
        return WhitespaceRun.end(text, at: index, end: end)
    }
}
