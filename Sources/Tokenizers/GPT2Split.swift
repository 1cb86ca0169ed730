/// GPT-2's pre-tokenizer split, `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`,
/// as a scanner: at each position the first alternative that matches wins, as in the regex.
enum GPT2Split {
    static func split(_ text: ClassifiedText, from start: Int, to end: Int, into pieces: inout [Range<Int>]) {
        var index = start
        while index < end {
            let next = pieceEnd(text, at: index, end: end)
            pieces.append(index..<next)
            index = next
        }
    }

    /// The end of the piece that starts at `index`.
    private static func pieceEnd(_ text: ClassifiedText, at index: Int, end: Int) -> Int {
        if let contraction = contractionEnd(text, at: index, end: end, ignoringCase: false) { return contraction }
        // ` ?\p{L}+`, ` ?\p{N}+`, ` ?[^\s\p{L}\p{N}]+`: an optional ASCII space, then a run of one class.
        let body = text.isASCII(index, " ") && index + 1 < end ? index + 1 : index
        let kind = text.classes[body]
        if kind != .whitespace { return text.runEnd(of: kind, from: body, to: end) }
        return WhitespaceRun.end(text, at: index, end: end)
    }

    /// `'s|'t|'re|'ve|'m|'ll|'d` (in any case when `ignoringCase`, as Llama 3's `(?i:…)`): the end of the
    /// contraction at `index`, if there is one.
    static func contractionEnd(_ text: ClassifiedText, at index: Int, end: Int, ignoringCase: Bool) -> Int? {
        guard text.isASCII(index, "'"), index + 1 < end else { return nil }
        func letter(_ offset: Int) -> Unicode.Scalar? {
            guard index + offset < end else { return nil }
            let scalar = text.scalars[index + offset]
            guard ignoringCase, scalar.isASCII, ("A"..."Z").contains(scalar) else { return scalar }
            return Unicode.Scalar(scalar.value + 32)
        }
        switch letter(1) {
        case "s", "t", "m", "d": return index + 2
        case "r", "v": return letter(2) == "e" ? index + 3 : nil
        case "l": return letter(2) == "l" ? index + 3 : nil
        default: return nil
        }
    }
}

/// The whitespace alternatives every split ends with, `\s+(?!\S)|\s+`: a run of whitespace up to the end of the
/// text is one piece; a run followed by something else leaves its last scalar to start the next piece (where
/// ` ?\p{L}+` and its kin take a space), unless the run is that one scalar.
enum WhitespaceRun {
    static func end(_ text: ClassifiedText, at index: Int, end: Int) -> Int {
        let runEnd = text.runEnd(of: .whitespace, from: index, to: end)
        if runEnd == end || runEnd - index == 1 { return runEnd }
        return runEnd - 1
    }
}
