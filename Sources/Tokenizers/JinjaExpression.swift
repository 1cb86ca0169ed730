/// A Jinja expression read as the concatenation it is in chat templates (`'<|im_start|>' + message['role'] + '\n'`):
/// its `+`-separated terms, adjacent string literals joined, every other term written as canonical text
/// (`message [ 'content' ] | trim`).
enum JinjaTerm: Equatable {
    case literal(String)
    case variable(String)

    /// The terms of `tokens`, split at the `+` signs outside brackets and parentheses.
    static func terms(of tokens: ArraySlice<JinjaTagScanner.Token>) -> [JinjaTerm] {
        var terms: [JinjaTerm] = []
        var current: [JinjaTagScanner.Token] = []
        var depth = 0
        func flush() {
            defer { current.removeAll() }
            guard !current.isEmpty else { return }
            if current.count == 1, case .string(let text) = current[0] {
                if case .literal(let previous) = terms.last {
                    terms[terms.count - 1] = .literal(previous + text)
                } else {
                    terms.append(.literal(text))
                }
            } else {
                terms.append(.variable(canonical(current[...])))
            }
        }
        for token in tokens {
            switch token {
            case .symbol("("), .symbol("["): depth += 1
            case .symbol(")"), .symbol("]"): depth -= 1
            case .symbol("+") where depth == 0:
                flush()
                continue
            default: break
            }
            current.append(token)
        }
        flush()
        return terms
    }

    /// Tokens as one canonical text, separated by single spaces, strings in single quotes.
    static func canonical(_ tokens: ArraySlice<JinjaTagScanner.Token>) -> String {
        tokens.map { token in
            switch token {
            case .string(let text): "'\(text)'"
            case .name(let name): name
            case .symbol(let symbol): symbol
            }
        }.joined(separator: " ")
    }
}

/// What a template says, as the recognition of ``ChatTemplate`` reads it: the expressions it outputs or assigns,
/// the canonical text of its statements, and every name it uses.
struct JinjaTemplateFeatures {
    /// The terms of each `{{ … }}` and of each `{% set x = … %}`.
    let expressions: [[JinjaTerm]]
    /// Each `{% … %}`'s canonical text (`if loop [ 'first' ] and …`).
    let statements: [String]
    let names: Set<String>
    /// Text outside tags that rendering would output.
    let renderedOutsideText: [String]

    init(_ template: String) {
        let scanner = JinjaTagScanner(template)
        renderedOutsideText = scanner.renderedOutsideText
        var expressions: [[JinjaTerm]] = []
        var statements: [String] = []
        var names = Set<String>()
        for tag in scanner.tags {
            for case .name(let name) in tag.tokens { names.insert(name) }
            switch tag.kind {
            case .output:
                expressions.append(JinjaTerm.terms(of: tag.tokens[...]))
            case .statement:
                statements.append(JinjaTerm.canonical(tag.tokens[...]))
                if tag.tokens.first == .name("set"), let equals = tag.tokens.firstIndex(of: .symbol("=")) {
                    expressions.append(JinjaTerm.terms(of: tag.tokens[(equals + 1)...]))
                }
            }
        }
        self.expressions = expressions
        self.statements = statements
        self.names = names
    }

    func has(_ expression: [JinjaTerm]) -> Bool { expressions.contains(expression) }

    func hasStatement(containing text: String) -> Bool { statements.contains { $0.contains(text) } }
}
