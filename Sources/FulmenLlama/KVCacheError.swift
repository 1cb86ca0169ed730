/// Why the paged key/value cache refused a request.
public enum KVCacheError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The pool has too few free blocks for the positions asked for.
    case outOfBlocks(needed: Int, free: Int, capacity: Int)
    /// A table was asked to grow past the positions the pool's owner allows.
    case tooManyPositions(requested: Int, limit: Int)

    public var description: String {
        switch self {
        case .outOfBlocks(let needed, let free, let capacity):
            "key/value cache is out of blocks: \(needed) more needed, \(free) free of \(capacity)"
        case .tooManyPositions(let requested, let limit):
            "key/value cache: \(requested) positions requested, but a sequence holds at most \(limit)"
        }
    }
}
