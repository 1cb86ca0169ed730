import Glibc

// Key files, as `fulmen keygen` writes them:
//
//     NAME.key   # comment lines, then the secret key's Z85 text (mode 0600)
//     NAME.pub   the public key's Z85 text and the name, one line: the same form as an allow-list line
//
// so `cat *.pub > allowed-keys` makes an allow-list of every node.

extension CurveKeyPair {
    /// Reads a secret key file written by `write(secretKeyFile:publicKeyFile:name:)`.
    ///
    /// - Throws: `SecurityError` when the file cannot be read, users outside its group may read it
    ///   or its group may write it (it must be mode 0640 or stricter; `fulmen keygen` writes 0600,
    ///   and a Kubernetes secret mounted with `defaultMode: 0440` and an `fsGroup` passes), or it
    ///   holds no valid key.
    public init(secretKeyFile path: String) throws(SecurityError) {
        let (text, mode) = try KeyFile.read(path, what: "secret key file")
        if mode & 0o027 != 0 {
            throw SecurityError(
                "secret key file \(path) is open to other users (mode \(String(mode & 0o777, radix: 8))); "
                    + "run: chmod 600 \(path)")
        }
        guard let line = KeyFile.lines(text).first else { throw SecurityError("secret key file \(path) holds no key") }
        do {
            try self.init(secretKey: String(line.text))
        } catch {
            throw SecurityError("secret key file \(path), line \(line.number): \(error)")
        }
    }

    /// Writes the secret key (mode 0600) and the public key to two new files.
    ///
    /// - Parameters:
    ///   - name: what the public key file names the key, e.g. the node (`store`, `runner-3`).
    ///   - attributes: `name=value` words for the public key's line, which an allow-list made of
    ///     it gives the key (e.g. Fulmen's `role=runner`).
    ///   - replacing: whether existing files may be replaced; otherwise neither file is written
    ///     when either exists.
    /// - Throws: `SecurityError` naming the file that exists or could not be written.
    public func write(
        secretKeyFile: String, publicKeyFile: String, name: String, attributes: [String: String] = [:], replacing: Bool = false
    ) throws(SecurityError) {
        if !replacing {
            for path in [secretKeyFile, publicKeyFile] where access(path, F_OK) == 0 {
                throw SecurityError("\(path) already exists")
            }
        }
        let secret = "# Fulmen CURVE secret key of \(name). Keep it private: whoever holds it is this node.\n\(secretKey)\n"
        try KeyFile.write(secret, to: secretKeyFile, mode: 0o600, replacing: replacing)
        let line = AllowList.Entry(name: name, attributes: attributes).line(for: publicKey)
        try KeyFile.write("\(line)\n", to: publicKeyFile, mode: 0o644, replacing: replacing)
    }
}

extension CurveKey {
    /// Reads a public key file: the first field of its first line that is not a comment.
    /// - Throws: `SecurityError` when the file cannot be read or holds no valid key.
    public init(publicKeyFile path: String) throws(SecurityError) {
        let (text, _) = try KeyFile.read(path, what: "public key file")
        guard let line = KeyFile.lines(text).first, let field = line.text.split(whereSeparator: \.isWhitespace).first else {
            throw SecurityError("public key file \(path) holds no key")
        }
        do {
            try self.init(z85: String(field))
        } catch {
            throw SecurityError("public key file \(path), line \(line.number): \(error)")
        }
    }
}

/// Reading and writing the small text files keys live in.
enum KeyFile {
    /// Key files and allow-lists are small; anything larger is not one.
    static let maximumSize = 1 << 20

    /// The file's text and permission bits.
    static func read(_ path: String, what: String) throws(SecurityError) -> (text: String, mode: mode_t) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw SecurityError("cannot read \(what) \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var status = stat()
        guard fstat(fd, &status) == 0 else { throw SecurityError("cannot read \(what) \(path): \(String(cString: strerror(errno)))") }
        guard status.st_mode & S_IFMT == S_IFREG else { throw SecurityError("\(what) \(path) is not a regular file") }
        guard status.st_size <= maximumSize else {
            throw SecurityError("\(what) \(path) is \(status.st_size) bytes; key files are far smaller")
        }
        var bytes = [UInt8](repeating: 0, count: Int(status.st_size))
        var filled = 0
        while filled < bytes.count {
            let count = bytes.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress! + filled, $0.count - filled) }
            if count < 0, errno == EINTR { continue }
            guard count > 0 else { throw SecurityError("cannot read \(what) \(path): it changed while being read") }
            filled += count
        }
        guard let text = String(validating: bytes, as: UTF8.self) else { throw SecurityError("\(what) \(path) is not UTF-8 text") }
        return (text, status.st_mode)
    }

    /// The lines that are neither blank nor comments (`#`), trimmed, numbered from 1.
    static func lines(_ text: String) -> [(number: Int, text: Substring)] {
        text.split(separator: "\n", omittingEmptySubsequences: false).enumerated().compactMap { index, line in
            var text = line
            while text.first?.isWhitespace == true { text.removeFirst() }
            while text.last?.isWhitespace == true { text.removeLast() }
            return text.isEmpty || text.hasPrefix("#") ? nil : (index + 1, text)
        }
    }

    static func write(_ text: String, to path: String, mode: mode_t, replacing: Bool) throws(SecurityError) {
        let flags = O_WRONLY | O_CREAT | O_CLOEXEC | (replacing ? O_TRUNC : O_EXCL)
        let fd = open(path, flags, mode)
        guard fd >= 0 else { throw SecurityError("cannot write \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        // A replaced file keeps its old mode unless told otherwise.
        guard fchmod(fd, mode) == 0 else { throw SecurityError("cannot set the mode of \(path): \(String(cString: strerror(errno)))") }
        let bytes = Array(text.utf8)
        var written = 0
        while written < bytes.count {
            let count = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + written, $0.count - written) }
            if count < 0, errno == EINTR { continue }
            guard count > 0 else { throw SecurityError("cannot write \(path): \(String(cString: strerror(errno)))") }
            written += count
        }
    }
}
