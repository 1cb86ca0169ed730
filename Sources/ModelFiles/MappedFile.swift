#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// A whole file mapped read-only into memory.
///
/// Model files are hundreds of megabytes to gigabytes; mapping them lets the kernel page in only what is read
/// (the metadata, the rows a caller dequantises) and share the pages between processes, instead of copying the
/// file into the heap. The mapping lives as long as this object; views of its bytes must not outlive it.
public final class MappedFile: @unchecked Sendable {
    // @unchecked Sendable: the mapping is made read-only (PROT_READ) in `init` (a copy is written only in its
    // `init`) and released only in `deinit`, so no thread ever writes through `bytes` while it is shared.

    /// The file's path, for errors.
    public let path: String
    /// The file's bytes.
    public let bytes: UnsafeRawBufferPointer
    /// Whether `bytes` is a heap copy (``init(copying:name:)``) rather than a mapping.
    private let isCopy: Bool

    /// Maps the file at `path`.
    ///
    /// - Throws: ``FileMappingError`` if it cannot be opened, sized or mapped.
    public init(path: String) throws(FileMappingError) {
        self.path = path
        isCopy = false
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw FileMappingError(path: path, reason: Self.lastError()) }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw FileMappingError(path: path, reason: Self.lastError()) }
        guard (status.st_mode & S_IFMT) == S_IFREG else {
            throw FileMappingError(path: path, reason: "not a regular file")
        }
        let size = Int(status.st_size)
        if size == 0 {
            // mmap refuses an empty length; an empty file is still a (truncated) file for the parsers to judge.
            bytes = UnsafeRawBufferPointer(start: nil, count: 0)
            return
        }
        guard let address = mmap(nil, size, PROT_READ, MAP_PRIVATE, descriptor, 0), address != MAP_FAILED else {
            throw FileMappingError(path: path, reason: "mmap: \(Self.lastError())")
        }
        bytes = UnsafeRawBufferPointer(start: address, count: size)
    }

    /// A copy of `image` in memory, standing in for a file named `name` (a file image made by a writer, for tests
    /// and for checking what is about to be written).
    public init(copying image: [UInt8], name: String) {
        path = name
        isCopy = true
        let copy = UnsafeMutableRawBufferPointer.allocate(byteCount: max(image.count, 1), alignment: 64)
        image.withUnsafeBytes { copy.copyMemory(from: $0) }
        bytes = UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(copy)[0..<image.count])
    }

    deinit {
        guard let base = bytes.baseAddress else { return }
        if isCopy {
            base.deallocate()
        } else {
            munmap(UnsafeMutableRawPointer(mutating: base), bytes.count)
        }
    }

    private static func lastError() -> String { String(cString: strerror(errno)) }
}

/// A file that could not be opened or mapped, and why.
public struct FileMappingError: Error, Equatable, Sendable, CustomStringConvertible {
    public let path: String
    public let reason: String

    public var description: String { "cannot open \(path): \(reason)" }
}
