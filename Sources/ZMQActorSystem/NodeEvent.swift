/// A change in what this node knows about another node.
public enum NodeEvent: Sendable, Equatable {
    /// A node (this life of it) was heard from for the first time, or again after being down.
    case up(NodeID)
    /// A node was declared down: its connection broke, it stopped answering heartbeats, or
    /// it restarted (a new incarnation appeared at its endpoint).
    case down(NodeID, reason: String)
}

/// A registration made by `ZMQActorSystem.watch(_:onTermination:)`; cancel it to stop watching.
public struct WatchToken: Hashable, Sendable {
    let id: UInt64
}
