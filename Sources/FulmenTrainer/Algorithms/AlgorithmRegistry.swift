import Synchronization

/// The algorithms experiment specs may name, by their section key: Fulmen's own, and those a user's trainer
/// executable registers before it starts (``register(_:)``; see the README, "Your own algorithm").
///
/// Swift loads no code at run time, so a user's algorithm is compiled into their own small executable,
/// which depends on Fulmen's library products, registers the algorithm and runs Fulmen's command line.
public enum AlgorithmRegistry {
    /// Fulmen's own algorithms.
    public static let builtIn: [any Algorithm.Type] = [SFT.self, GRPO.self, ResourceSearch.self]

    private static let added = Mutex<[any Algorithm.Type]>([])

    /// Every algorithm a spec may name: Fulmen's own, then those registered, in order.
    public static var all: [any Algorithm.Type] { builtIn + added.withLock { $0 } }

    /// Makes `algorithm` available to every spec this process reads from now on.
    /// - Precondition: no algorithm of the same name is known yet.
    public static func register(_ algorithm: any Algorithm.Type) {
        precondition(
            !all.contains { $0.name == algorithm.name },
            "an algorithm named '\(algorithm.name)' is already registered")
        added.withLock { $0.append(algorithm) }
    }

    /// The algorithm whose section key is `name`, if any.
    static func named(_ name: String) -> (any Algorithm.Type)? { all.first { $0.name == name } }
}
