import Glibc

/// The public keys of the nodes a listening node admits; every other connection is refused
/// during the CURVE handshake, before it can send a single message.
///
/// An allow-list file has one key per line, optionally followed by a name for the logs;
/// blank lines and lines starting with `#` are ignored:
///
/// ```
/// # the nodes of deployment "lab"
/// rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7 store
/// Yne@$w-vo<fVvi]a<NY6T1ed:M$fCG*[IaLV{hID runner-1
/// ```
///
/// `fulmen keygen` writes each public key file in this form, so `cat *.pub > allowed-keys`
/// makes one. A node reads its file again whenever it changes (its size, time or inode), so keys
/// are added and removed without a restart; connections already admitted stay open.
public struct AllowList: Sendable {
    enum Source: Sendable {
        case keys([CurveKey: String])
        case file(String)
    }

    let source: Source

    /// Admits exactly `keys`.
    public init(_ keys: some Sequence<CurveKey>) {
        source = .keys(Dictionary(keys.map { ($0, "") }, uniquingKeysWith: { first, _ in first }))
    }

    /// Admits the keys listed in the file at `path`, read now and again whenever it changes.
    /// - Throws: `SecurityError` when the file cannot be read or a line is not a key.
    public init(file path: String) throws(SecurityError) {
        _ = try Self.read(file: path)
        source = .file(path)
    }

    /// The keys a file lists, each with the name written after it (empty when none).
    /// - Throws: `SecurityError` naming the file and the line that is not a key.
    public static func read(file path: String) throws(SecurityError) -> [CurveKey: String] {
        let (text, _) = try KeyFile.read(path, what: "allow-list")
        var keys: [CurveKey: String] = [:]
        for line in KeyFile.lines(text) {
            let fields = line.text.split(maxSplits: 1, whereSeparator: \.isWhitespace)
            do {
                let key = try CurveKey(z85: String(fields[0]))
                keys[key] = fields.count > 1 ? String(fields[1].drop(while: \.isWhitespace)) : ""
            } catch {
                throw SecurityError("allow-list \(path), line \(line.number): \(error)")
            }
        }
        return keys
    }
}
