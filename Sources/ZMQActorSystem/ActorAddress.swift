/// The identity of a distributed actor: the node it lives on and its name there.
///
/// An ID made with `wellKnown(_:at:)` names no incarnation: it reaches the actor of that name on
/// whatever life of the node is current, which is how processes find the store without a lookup.
/// IDs of actors created at run time name their node's incarnation, so a call on an actor whose
/// node has restarted fails instead of reaching a stranger.
public struct ActorAddress: Hashable, Sendable, Codable, CustomStringConvertible {
    /// The endpoint of the node hosting the actor.
    public let endpoint: String
    /// The node's incarnation, or nil for "the current one" (well-known references).
    public let incarnation: UInt64?
    /// The actor's name, unique on its node.
    public let name: String

    public init(endpoint: String, incarnation: UInt64?, name: String) {
        self.endpoint = endpoint
        self.incarnation = incarnation
        self.name = name
    }

    /// The ID of the actor registered under `name` on the node listening at `endpoint`.
    public static func wellKnown(_ name: String, at endpoint: String) -> ActorAddress {
        ActorAddress(endpoint: endpoint, incarnation: nil, name: name)
    }

    public var description: String {
        if let incarnation { return "\(endpoint)#\(String(incarnation, radix: 16))/\(name)" }
        return "\(endpoint)/\(name)"
    }

    /// Whether this ID can refer to an actor living on `node`.
    func matches(_ node: NodeID) -> Bool {
        endpoint == node.endpoint && (incarnation == nil || incarnation == node.incarnation)
    }
}
