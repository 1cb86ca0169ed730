import Foundation
import Glibc

/// The secret a training API's callers present (HTTP: `Authorization: Bearer TOKEN`; the distributed face: an
/// argument of every call).
enum BearerToken {
    /// Whether `given` is `expected`, compared in constant time.
    static func matches(_ given: some StringProtocol, _ expected: String) -> Bool {
        let given = Array(given.utf8)
        let expected = Array(expected.utf8)
        guard given.count == expected.count else { return false }
        return zip(given, expected).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }

    /// The token in the file at `path`, or a new random one (256 bits, as hex) written there with mode 0600 when
    /// the file does not exist yet.
    /// - Throws: ``TrainingAPIError`` when the file cannot be read or written, is open to other users, or holds
    ///   no token.
    static func readOrCreate(at path: String) throws -> String {
        if FileManager.default.fileExists(atPath: path) {
            let attributes = try FileManager.default.attributesOfItem(atPath: path)
            let mode = (attributes[.posixPermissions] as? Int) ?? 0
            guard mode & 0o077 == 0 else {
                throw TrainingAPIError.token("token file \(path) is open to other users (mode \(String(mode, radix: 8))); run: chmod 600 \(path)")
            }
            guard let text = FileManager.default.contents(atPath: path).map({ String(decoding: $0, as: UTF8.self) }) else {
                throw TrainingAPIError.token("cannot read token file \(path)")
            }
            let token = text.trimmingCharacters(in: .whitespacesAndNewlines)
            guard token.count >= 16 else { throw TrainingAPIError.token("token file \(path) holds no token of 16 characters or more") }
            return token
        }
        var generator = SystemRandomNumberGenerator()
        let token = (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard descriptor >= 0 else { throw TrainingAPIError.token("cannot create token file \(path): \(String(cString: strerror(errno)))") }
        defer { close(descriptor) }
        let bytes = Array("\(token)\n".utf8)
        guard write(descriptor, bytes, bytes.count) == bytes.count else {
            throw TrainingAPIError.token("cannot write token file \(path): \(String(cString: strerror(errno)))")
        }
        return token
    }
}

/// Why the training API could not start.
enum TrainingAPIError: Error, CustomStringConvertible {
    case token(String)
    case idle(Duration)

    var description: String {
        switch self {
        case .token(let problem): "training API: \(problem)"
        case .idle(let limit): "training API: no request for \(limit) (external.idleTimeout): the program driving it is taken to be gone"
        }
    }
}
