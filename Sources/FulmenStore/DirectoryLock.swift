import Foundation
import Glibc
import FulmenCore

/// An exclusive lock on a store's data directory, held while the store lives: two stores on
/// one directory would each hand out the same rollouts.
final class DirectoryLock: Sendable {
    private let descriptor: Int32

    /// Takes the lock, or refuses at once when another store holds it.
    init(_ directory: URL) throws {
        let path = directory.appendingPathComponent("store.lock").path
        descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw StoreError(.storage, "cannot open \(path): \(String(cString: strerror(errno)))")
        }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            let reason = errno == EWOULDBLOCK ? "another store is running on it" : String(cString: strerror(errno))
            close(descriptor)
            throw StoreError(.storage, "the data directory \(directory.path) is in use: \(reason)")
        }
    }

    deinit {
        close(descriptor)
    }
}
