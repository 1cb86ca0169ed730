import Glibc

/// The public keys of the nodes a listening node admits; every other connection is refused
/// during the CURVE handshake, before it can send a single message.
///
/// An allow-list file has one key per line, optionally followed by a name for the logs and by
/// attributes, `name=value` words whose meaning is the application's (Fulmen's store reads
/// `role=`); blank lines and lines starting with `#` are ignored:
///
/// ```
/// # the nodes of deployment "lab"
/// rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7 store role=admin
/// Yne@$w-vo<fVvi]a<NY6T1ed:M$fCG*[IaLV{hID runner-1 role=runner
/// ```
///
/// The words of a line after its key that hold no `=` make the name (a name of several words is
/// one name, as before attributes existed). `fulmen keygen` writes each public key file in this
/// form, so `cat *.pub > allowed-keys` makes one. A node reads its file again whenever it changes
/// (its size, time or inode), so keys are added and removed without a restart; connections already
/// admitted stay open, and each call they carry is given its key's line as it is when the call
/// arrives (`ZMQActorSystem.currentCallerKey`).
public struct AllowList: Sendable {
    /// What an allow-list line says about its key.
    public struct Entry: Sendable, Hashable {
        /// The name the logs show for the key (empty when the line gives none).
        public var name: String
        /// The line's `name=value` words, for the application to interpret.
        public var attributes: [String: String]

        public init(name: String, attributes: [String: String] = [:]) {
            self.name = name
            self.attributes = attributes
        }

        /// The allow-list line for `key` with this entry: the key, the name, the attributes in order of name.
        public func line(for key: CurveKey) -> String {
            ([key.z85] + (name.isEmpty ? [] : [name]) + attributes.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" })
                .joined(separator: " ")
        }
    }

    enum Source: Sendable {
        case keys([CurveKey: Entry])
        case file(String)
    }

    let source: Source

    /// Admits exactly `keys`, with no names or attributes.
    public init(_ keys: some Sequence<CurveKey>) {
        self.init(entries: Dictionary(keys.map { ($0, Entry(name: "")) }, uniquingKeysWith: { first, _ in first }))
    }

    /// Admits exactly the keys of `entries`, each with its entry.
    public init(entries: [CurveKey: Entry]) {
        source = .keys(entries)
    }

    /// Admits the keys listed in the file at `path`, read now and again whenever it changes.
    /// - Throws: `SecurityError` when the file cannot be read or a line is not a key.
    public init(file path: String) throws(SecurityError) {
        _ = try Self.read(file: path)
        source = .file(path)
    }

    /// The keys a file lists, each with its entry.
    /// - Throws: `SecurityError` naming the file and the line that is not a key, or that gives an
    ///   attribute twice.
    public static func read(file path: String) throws(SecurityError) -> [CurveKey: Entry] {
        let (text, _) = try KeyFile.read(path, what: "allow-list")
        var keys: [CurveKey: Entry] = [:]
        for line in KeyFile.lines(text) {
            let words = line.text.split(whereSeparator: \.isWhitespace)
            let key: CurveKey
            do {
                key = try CurveKey(z85: String(words[0]))
            } catch {
                throw SecurityError("allow-list \(path), line \(line.number): \(error)")
            }
            var entry = Entry(name: "")
            var nameWords: [Substring] = []
            for word in words.dropFirst() {
                guard let equals = word.firstIndex(of: "="), equals != word.startIndex else {
                    nameWords.append(word)
                    continue
                }
                let attribute = String(word[..<equals])
                guard entry.attributes.updateValue(String(word[word.index(after: equals)...]), forKey: attribute) == nil else {
                    throw SecurityError("allow-list \(path), line \(line.number): '\(attribute)' is given twice")
                }
            }
            entry.name = nameWords.joined(separator: " ")
            keys[key] = entry
        }
        return keys
    }
}
