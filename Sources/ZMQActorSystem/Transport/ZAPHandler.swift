import Glibc

/// Decides who may connect to a node's listening socket, answering libzmq's ZAP requests
/// (ZeroMQ RFC 27, ZAP 1.0) for it: a CURVE client is admitted when its public key is the
/// node's own or on the allow-list.
///
/// The request's frames are version, request id, domain, address, identity, mechanism and
/// credentials (for CURVE: the client's 32-byte public key); the reply's are version, request
/// id, status code (200 admitted, 400 refused, 500 malformed request), status text, user id
/// (the admitted key, which libzmq attaches to every message of that connection as
/// `User-Id`) and metadata (none). Pure logic: the node's I/O thread owns the socket, and looks
/// up each received call's key here (`entry(for:)`), so a call is judged by the list as it is.
struct ZAPHandler {
    enum Decision: Equatable {
        case admitted(CurveKey, name: String)
        case refused(CurveKey)
        case malformed(String)
    }

    struct Answer {
        let reply: [[UInt8]]
        let decision: Decision
        /// The client's network address, from the request.
        let address: String
        /// Set when the allow-list file was read again for this request: its key count, or why it
        /// could not be read (then every connection is refused until it is fixed).
        let reload: Result<Int, SecurityError>?
    }

    private let allowList: AllowList
    private let ownKey: CurveKey
    private var keys: [CurveKey: AllowList.Entry] = [:]
    /// What the allow-list file looked like when last read.
    private var fileVersion: FileVersion?
    /// Why the allow-list file could not be read last time, if it could not.
    private(set) var loadError: SecurityError?

    init(allowList: AllowList, ownKey: CurveKey) {
        self.allowList = allowList
        self.ownKey = ownKey
        switch allowList.source {
        case let .keys(fixed): keys = fixed
        case .file: _ = reloadIfChanged()
        }
    }

    mutating func answer(_ request: [[UInt8]]) -> Answer {
        let reload = reloadIfChanged()
        let requestID = request.count > 1 ? request[1] : []
        let address = request.count > 3 ? String(decoding: request[3], as: UTF8.self) : ""
        func reply(_ status: String, _ text: String, userID: String = "", _ decision: Decision) -> Answer {
            let frames = [Array("1.0".utf8), requestID, Array(status.utf8), Array(text.utf8), Array(userID.utf8), []]
            return Answer(reply: frames, decision: decision, address: address, reload: reload)
        }
        guard request.count == 7, request[0] == Array("1.0".utf8) else {
            let problem = request.count == 7 ? "ZAP version \(String(decoding: request[0], as: UTF8.self))" : "\(request.count) frames"
            return reply("500", "malformed ZAP request", .malformed("a ZAP request with \(problem); expected ZAP 1.0 with 7 frames"))
        }
        let mechanism = String(decoding: request[5], as: UTF8.self)
        guard mechanism == "CURVE" else {
            return reply("400", "only CURVE is accepted", .malformed("a \(mechanism) handshake; this node accepts only CURVE"))
        }
        guard let key = CurveKey(bytes: request[6]) else {
            return reply("500", "malformed CURVE credentials", .malformed("CURVE credentials of \(request[6].count) bytes"))
        }
        if key == ownKey { return reply("200", "OK", userID: key.z85, .admitted(key, name: "this node")) }
        guard let entry = keys[key] else { return reply("400", "key not allowed", .refused(key)) }
        return reply("200", "OK", userID: key.z85, .admitted(key, name: entry.name))
    }

    /// The allow-list line of `key` as last read; nil when the key is not on the list (this
    /// node's own key, admitted without a line, included).
    func entry(for key: CurveKey) -> AllowList.Entry? {
        keys[key]
    }

    /// Reads the allow-list file again if it changed since it was last read (or could not be).
    mutating func reloadIfChanged() -> Result<Int, SecurityError>? {
        guard case let .file(path) = allowList.source else { return nil }
        let version = FileVersion(path: path)
        if let version, version == fileVersion { return nil }
        fileVersion = version
        do {
            keys = try AllowList.read(file: path)
            loadError = nil
            return .success(keys.count)
        } catch {
            // Fail closed: a broken list admits nobody new rather than an outdated set of keys.
            keys = [:]
            loadError = error
            return .failure(error)
        }
    }
}

/// What identifies one version of a file: device, inode, size and modification time.
private struct FileVersion: Equatable {
    var device: UInt64 = 0
    var inode: UInt64 = 0
    var size: Int64 = 0
    var modified = timespec()

    /// The file's current version, or nil when it cannot be examined.
    init?(path: String) {
        var status = stat()
        guard stat(path, &status) == 0 else { return nil }
        device = UInt64(status.st_dev)
        inode = UInt64(status.st_ino)
        size = Int64(status.st_size)
        modified = status.st_mtim
    }

    static func == (a: FileVersion, b: FileVersion) -> Bool {
        a.device == b.device && a.inode == b.inode && a.size == b.size
            && a.modified.tv_sec == b.modified.tv_sec && a.modified.tv_nsec == b.modified.tv_nsec
    }
}
