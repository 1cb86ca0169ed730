import Synchronization

/// Turns the mangled type names of generic substitutions back into types.
///
/// Names come from the network, so they are checked for shape before the runtime sees them,
/// and the cache of resolved names is bounded.
final class TypeRegistry: Sendable {
    /// A metatype; metatypes are immutable runtime values, safe to share between threads.
    private struct Entry: @unchecked Sendable {
        let type: Any.Type
    }

    private static let maximumNameLength = 1024
    private static let maximumEntries = 4096
    private let cache = Mutex<[String: Entry]>([:])

    func type(named name: String) -> Any.Type? {
        if let hit = cache.withLock({ $0[name] }) { return hit.type }
        guard name.utf8.count <= Self.maximumNameLength,
              name.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }),
              let type = _typeByName(name)
        else { return nil }
        cache.withLock { cache in
            if cache.count < Self.maximumEntries { cache[name] = Entry(type: type) }
        }
        return type
    }
}
