public import ZMQActorSystem

/// Runs `body`, then shuts `nodes` down, whether it returned or threw.
public func shuttingDown(
    _ nodes: ZMQActorSystem..., isolation: isolated (any Actor)? = #isolation, after body: () async throws -> Void
) async throws {
    do {
        try await body()
    } catch {
        for node in nodes { await node.shutdown() }
        throw error
    }
    for node in nodes { await node.shutdown() }
}
