/// One life of a node: where it listens and a random number drawn when it started.
///
/// A node restarted at the same endpoint gets a new incarnation, so references into its
/// previous life can be told apart from the new one.
public struct NodeID: Hashable, Sendable, Codable, CustomStringConvertible {
    /// The endpoint the node is reached at, e.g. `tcp://10.0.0.5:7100`.
    public let endpoint: String
    /// Random and non-zero for every start of a node process.
    public let incarnation: UInt64

    public init(endpoint: String, incarnation: UInt64) {
        self.endpoint = endpoint
        self.incarnation = incarnation
    }

    public var description: String { "\(endpoint)#\(String(incarnation, radix: 16))" }
}
