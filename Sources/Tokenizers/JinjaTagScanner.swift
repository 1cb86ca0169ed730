/// A Jinja template cut into its tags and the tokens inside them: just enough of Jinja's syntax to recognise a
/// known chat template by what its expressions say, whatever its spacing, quoting, whitespace control (`{%-`) or
/// attribute style (`message.role` or `message['role']`). It evaluates nothing.
struct JinjaTagScanner {
    /// A token inside a tag.
    enum Token: Equatable {
        /// A string literal, its escapes resolved.
        case string(String)
        /// A name: `message`, `loop`, `add_generation_prompt`, `if`, `and`, `trim`...
        case name(String)
        /// Any other symbol or number: `+`, `|`, `==`, `!=`, `(`, `0`...
        case symbol(String)
    }

    enum TagKind { case output, statement }

    /// A `{{ … }}` or `{% … %}` tag.
    struct Tag {
        let kind: TagKind
        let tokens: [Token]
    }

    /// The tags in order.
    private(set) var tags: [Tag] = []
    /// The text outside tags that rendering would output (so a template with any is not one of the known ones):
    /// everything but whitespace removed by a `-` next to it, by `trim_blocks` (the newline after a block tag) or
    /// by `lstrip_blocks` (spaces and tabs from the start of a line to a block tag), as transformers renders.
    private(set) var renderedOutsideText: [String] = []

    init(_ template: String) {
        let scalars = Array(template.unicodeScalars)
        var index = 0
        var segment = String.UnicodeScalarView()
        var previous: (isBlock: Bool, trimsAfter: Bool)? = nil
        while index < scalars.count {
            guard scalars[index] == "{", index + 1 < scalars.count, "{%#".unicodeScalars.contains(scalars[index + 1])
            else {
                segment.append(scalars[index])
                index += 1
                continue
            }
            let opener = scalars[index + 1]
            let closer: Unicode.Scalar = opener == "{" ? "}" : opener
            index += 2
            let trimsBefore = index < scalars.count && scalars[index] == "-"
            if index < scalars.count, scalars[index] == "-" || scalars[index] == "+" { index += 1 }  // `{%-`
            noteSegment(segment, after: previous, trimmedBefore: trimsBefore, beforeBlock: opener != "{")
            segment = String.UnicodeScalarView()
            var tokens: [Token] = []
            var trimsAfter = false
            while index < scalars.count {
                if scalars[index] == closer || (scalars[index] == "-" || scalars[index] == "+")
                    && index + 1 < scalars.count && scalars[index + 1] == closer
                {
                    let end = scalars[index] == closer ? index : index + 1
                    if end + 1 < scalars.count, scalars[end + 1] == "}" {
                        trimsAfter = scalars[index] == "-"
                        index = end + 2
                        break
                    }
                }
                if opener == "#" {
                    index += 1
                    continue
                }
                if let (token, next) = Self.token(scalars, at: index) {
                    tokens.append(token)
                    index = next
                } else {
                    index += 1
                }
            }
            previous = (opener != "{", trimsAfter)
            if opener != "#" {
                tags.append(Tag(kind: opener == "{" ? .output : .statement, tokens: Self.normalized(tokens)))
            }
        }
        noteSegment(segment, after: previous, trimmedBefore: false, beforeBlock: false)
    }

    /// Keeps what of the text between two tags rendering would output.
    private mutating func noteSegment(
        _ segment: String.UnicodeScalarView, after previous: (isBlock: Bool, trimsAfter: Bool)?, trimmedBefore: Bool,
        beforeBlock: Bool
    ) {
        guard !segment.isEmpty else { return }
        let isWhitespace = segment.allSatisfy { $0.properties.isWhitespace }
        if isWhitespace, trimmedBefore || previous?.trimsAfter == true { return }
        var text = Substring(String(segment))
        var atLineStart = previous == nil
        if previous?.isBlock == true, text.first == "\n" {  // trim_blocks
            text = text.dropFirst()
            atLineStart = true
        }
        if beforeBlock {  // lstrip_blocks
            let lineStart = text.lastIndex(of: "\n").map { text.index(after: $0) } ?? (atLineStart ? text.startIndex : nil)
            if let lineStart, text[lineStart...].allSatisfy({ $0 == " " || $0 == "\t" }) { text = text[..<lineStart] }
        }
        if !text.isEmpty { renderedOutsideText.append(String(text)) }
    }

    /// The token at `index` and the index after it, or nil for whitespace and whitespace-control marks.
    private static func token(_ scalars: [Unicode.Scalar], at index: Int) -> (Token, Int)? {
        let scalar = scalars[index]
        if scalar.properties.isWhitespace { return nil }
        if scalar == "'" || scalar == "\"" { return stringLiteral(scalars, at: index) }
        if scalar == "_" || scalar.properties.isAlphabetic {
            var end = index
            while end < scalars.count, scalars[end] == "_" || scalars[end].properties.isAlphabetic
                || ("0"..."9").contains(scalars[end])
            {
                end += 1
            }
            return (.name(String(String.UnicodeScalarView(scalars[index..<end]))), end)
        }
        if index + 1 < scalars.count, "=!<>".unicodeScalars.contains(scalar), scalars[index + 1] == "=" {
            return (.symbol(String(scalar) + "="), index + 2)
        }
        return (.symbol(String(scalar)), index + 1)
    }

    /// A quoted string literal with Jinja's (Python's) escapes: `\n`, `\t`, `\r`, `\\`, `\'`, `\"`.
    private static func stringLiteral(_ scalars: [Unicode.Scalar], at start: Int) -> (Token, Int) {
        let quote = scalars[start]
        var text = String.UnicodeScalarView()
        var index = start + 1
        while index < scalars.count, scalars[index] != quote {
            if scalars[index] == "\\", index + 1 < scalars.count {
                let escaped = scalars[index + 1]
                switch escaped {
                case "n": text.append("\n")
                case "t": text.append("\t")
                case "r": text.append("\r")
                default: text.append(escaped)
                }
                index += 2
            } else {
                text.append(scalars[index])
                index += 1
            }
        }
        return (.string(String(text)), index + 1)
    }

    /// `a.b` written as `a['b']`, so both attribute styles read alike.
    private static func normalized(_ tokens: [Token]) -> [Token] {
        var result: [Token] = []
        var index = 0
        while index < tokens.count {
            if tokens[index] == .symbol("."), index + 1 < tokens.count, case .name(let attribute) = tokens[index + 1],
                case .name = result.last ?? .symbol("")
            {
                result += [.symbol("["), .string(attribute), .symbol("]")]
                index += 2
                continue
            }
            if tokens[index] == .symbol("."), index + 1 < tokens.count, case .name(let attribute) = tokens[index + 1],
                result.last == .symbol("]")
            {
                result += [.symbol("["), .string(attribute), .symbol("]")]
                index += 2
                continue
            }
            result.append(tokens[index])
            index += 1
        }
        return result
    }
}
