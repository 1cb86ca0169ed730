/// Finds special tokens spelled out in text: at each position the longest token that starts there, scanning left
/// to right (leftmost-longest, as Hugging Face `tokenizers` matches added tokens). Text around a match is
/// tokenized on its own, so no merge ever crosses a special token.
struct SpecialTokenMatcher: Sendable {
    /// Token UTF-8 bytes and id, longest first.
    private let patterns: [([UInt8], Int32)]
    /// Whether some pattern starts with the byte.
    private let startsPattern: [Bool]

    init(_ tokens: [(text: String, id: Int32)]) {
        patterns = tokens.filter { !$0.text.isEmpty }.map { (Array($0.text.utf8), $0.id) }
            .sorted { $0.0.count > $1.0.count }
        var starts = [Bool](repeating: false, count: 256)
        for (bytes, _) in patterns { starts[Int(bytes[0])] = true }
        startsPattern = starts
    }

    var isEmpty: Bool { patterns.isEmpty }

    /// Calls `text` for each stretch of ordinary bytes and `token` for each match, in order.
    func scan(_ bytes: [UInt8], text: (Range<Int>) -> Void, token: (Int32) -> Void) {
        var stretchStart = 0
        var index = 0
        outer: while index < bytes.count {
            if startsPattern[Int(bytes[index])] {
                for (pattern, id) in patterns where bytes[index...].starts(with: pattern) {
                    if stretchStart < index { text(stretchStart..<index) }
                    token(id)
                    index += pattern.count
                    stretchStart = index
                    continue outer
                }
            }
            index += 1
        }
        if stretchStart < bytes.count { text(stretchStart..<bytes.count) }
    }
}
