/// Where a server of a Fulmen process listens, written `HOST:PORT` (`0.0.0.0:7400`, `[::1]:7400`; port 0
/// picks a free one): a runner pool's endpoint, a trainer's training API.
public struct ListenAddress: Sendable, Hashable {
    /// The host, without the brackets an IPv6 address is written in.
    public var host: String
    public var port: Int

    /// The address `text` writes, or nil when it is not `HOST:PORT` with a host and a port from 0 to 65535.
    public init?(_ text: String) {
        guard let colon = text.lastIndex(of: ":"), colon != text.startIndex,
            let port = Int(text[text.index(after: colon)...]), (0...65535).contains(port)
        else { return nil }
        var host = String(text[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty else { return nil }
        (self.host, self.port) = (host, port)
    }
}
