import Distributed
import ZMQActorSystem

/// The actor `fulmen node` hosts and `fulmen up` / `fulmen ping` call.
distributed actor DemoService {
    typealias ActorSystem = ZMQActorSystem

    /// The well-known name other nodes reach it by.
    static let name = "demo"

    distributed func echo(_ text: String) -> String { text }

    distributed func sum(_ values: [Float]) -> Float { values.reduce(0, +) }
}
