import Foundation

/// A tensor a ``GGUFStreamWriter`` will write: its name, dimensions innermost first, and stored type.
public struct GGUFTensorDeclaration: Sendable, Equatable {
    public let name: String
    public let dimensions: [Int]
    public let type: GGMLType

    public init(name: String, dimensions: [Int], type: GGMLType) {
        self.name = name
        self.dimensions = dimensions
        self.type = type
    }
}

/// Writes a GGUF version 3 file tensor by tensor, holding no more of it in memory than the header and a megabyte of
/// tensor bytes: the header (metadata and every tensor's info) first, then each tensor's bytes in the declared
/// order, given in as many pieces as the caller likes. A 540 MB Float32 model is exported without a second copy of
/// its weights. For the same content it writes the same bytes as ``GGUFWriter``.
///
/// The file is written under a temporary name beside `path` and renamed into place by ``finish()``, so a reader
/// never sees half a file; a writer dropped before ``finish()`` removes its temporary file. Not thread-safe.
///
/// ```swift
/// let writer = try GGUFStreamWriter(path: out, metadata: entries, tensors: declarations)
/// for tensor in tensors { try writer.append(floats: tensor.values, as: .f16) }
/// try writer.finish()
/// ```
public final class GGUFStreamWriter {
    /// Where the finished file goes.
    public let path: String
    /// The data section's alignment; written as `general.alignment` when it is not the default 32.
    public let alignment: Int
    private let temporaryPath: String
    private let handle: FileHandle
    private let tensors: [GGUFEncoding.TensorEntry]
    /// The tensor being written, and how many of its bytes have been given.
    private var current = 0
    private var written = 0
    private var pending: [UInt8] = []
    private var finished = false
    private static let flushSize = 1 << 20

    /// Checks the declarations, creates the temporary file and writes the header.
    ///
    /// - Parameters:
    ///   - metadata: Key-value pairs in file order (a `general.alignment` among them is replaced by `alignment`).
    ///   - alignment: A power of two.
    /// - Throws: ``GGUFError/invalidTensorForWriting(tensor:reason:)`` for a malformed or repeated tensor,
    ///   ``GGUFError/duplicateKey(_:offset:)`` for a repeated key (offset -1: not in a file yet),
    ///   ``GGUFError/cannotWrite(path:reason:)`` when the file cannot be created.
    public init(
        path: String, metadata: [(key: String, value: GGUFValue)], tensors declarations: [GGUFTensorDeclaration],
        alignment: Int = 32
    ) throws(GGUFError) {
        guard alignment > 0, alignment & (alignment - 1) == 0 else {
            throw .badAlignment("\(alignment) is not a power of two")
        }
        var entries = metadata.filter { $0.key != GGUFParser.alignmentKey }
        var keys: Set<String> = []
        for entry in entries where !keys.insert(entry.key).inserted { throw .duplicateKey(entry.key, offset: -1) }
        // First, where GGUFWriter puts it too.
        if alignment != GGUFParser.defaultAlignment {
            entries.insert((GGUFParser.alignmentKey, .uint32(UInt32(alignment))), at: 0)
        }
        var names: Set<String> = []
        var tensors: [GGUFEncoding.TensorEntry] = []
        for declaration in declarations {
            guard names.insert(declaration.name).inserted else {
                throw .invalidTensorForWriting(tensor: declaration.name, reason: "a tensor of that name was already declared")
            }
            let byteCount = try GGUFEncoding.byteCount(
                name: declaration.name, dimensions: declaration.dimensions, type: declaration.type)
            tensors.append(
                GGUFEncoding.TensorEntry(
                    name: declaration.name, dimensions: declaration.dimensions, type: declaration.type,
                    byteCount: byteCount))
        }
        self.path = path
        self.alignment = alignment
        self.tensors = tensors
        temporaryPath = path + ".partial-\(UUID().uuidString)"
        guard FileManager.default.createFile(atPath: temporaryPath, contents: nil),
            let handle = FileHandle(forWritingAtPath: temporaryPath)
        else {
            throw .cannotWrite(path: temporaryPath, reason: "cannot create the file")
        }
        self.handle = handle
        pending = GGUFEncoding.header(entries: entries, tensors: tensors, alignment: alignment)
        skipEmptyTensors()
    }

    deinit {
        if !finished {
            try? handle.close()
            try? FileManager.default.removeItem(atPath: temporaryPath)
        }
    }

    /// The tensor whose bytes are expected next, or nil once all are written.
    public var nextTensor: GGUFTensorDeclaration? {
        current < tensors.count
            ? GGUFTensorDeclaration(name: tensors[current].name, dimensions: tensors[current].dimensions, type: tensors[current].type)
            : nil
    }

    /// Appends the next stored bytes of the current tensor (all of them, or a piece).
    ///
    /// - Throws: ``GGUFError/invalidTensorForWriting(tensor:reason:)`` when the bytes run past the current tensor's
    ///   end or every tensor is written; ``GGUFError/cannotWrite(path:reason:)``.
    public func append(_ bytes: UnsafeRawBufferPointer) throws(GGUFError) {
        guard current < tensors.count else {
            throw .invalidTensorForWriting(tensor: "(none)", reason: "\(bytes.count) bytes given after the last tensor")
        }
        let tensor = tensors[current]
        guard bytes.count <= tensor.byteCount - written else {
            throw .invalidTensorForWriting(
                tensor: tensor.name,
                reason: "\(bytes.count) bytes given with \(tensor.byteCount - written) of its \(tensor.byteCount) left")
        }
        pending.append(contentsOf: bytes)
        written += bytes.count
        if written == tensor.byteCount {
            pending.append(contentsOf: GGUFEncoding.padding(after: tensor.byteCount, alignment: alignment))
            current += 1
            written = 0
            skipEmptyTensors()
        }
        if pending.count >= Self.flushSize { try flush() }
    }

    /// Appends Float32 values of the current tensor, stored as `format`, which must be the tensor's type.
    ///
    /// - Throws: ``GGUFError/invalidTensorForWriting(tensor:reason:)`` for another type or too many values.
    public func append(floats values: UnsafeBufferPointer<Float>, as format: GGUFWriter.FloatFormat) throws(GGUFError) {
        if current < tensors.count, tensors[current].type != format.type {
            throw .invalidTensorForWriting(
                tensor: tensors[current].name, reason: "declared \(tensors[current].type), given \(format.type) values")
        }
        var start = 0
        var bytes: [UInt8] = []
        while start < values.count {
            let count = min(1 << 16, values.count - start)
            bytes.removeAll(keepingCapacity: true)
            format.append(UnsafeBufferPointer(rebasing: values[start..<(start + count)]), to: &bytes)
            try bytes.withUnsafeBytes { raw in Result { () throws(GGUFError) in try append(raw) } }.get()
            start += count
        }
    }

    /// Writes what is left and moves the file into place at ``path``.
    ///
    /// - Throws: ``GGUFError/invalidTensorForWriting(tensor:reason:)`` naming the first tensor not wholly written;
    ///   ``GGUFError/cannotWrite(path:reason:)``.
    public func finish() throws(GGUFError) {
        if current < tensors.count {
            throw .invalidTensorForWriting(
                tensor: tensors[current].name,
                reason: "only \(written) of its \(tensors[current].byteCount) bytes were given before finish()")
        }
        try flush()
        do {
            try handle.close()
        } catch {
            throw .cannotWrite(path: temporaryPath, reason: "cannot close: \(error.localizedDescription)")
        }
        guard rename(temporaryPath, path) == 0 else {
            throw .cannotWrite(path: path, reason: "cannot move \(temporaryPath) into place: \(String(cString: strerror(errno)))")
        }
        finished = true
    }

    /// Tensors of no bytes are complete as soon as they come up.
    private func skipEmptyTensors() {
        while current < tensors.count, tensors[current].byteCount == 0 { current += 1 }
    }

    private func flush() throws(GGUFError) {
        guard !pending.isEmpty else { return }
        do {
            try handle.write(contentsOf: pending)
        } catch {
            throw .cannotWrite(path: temporaryPath, reason: "cannot write: \(error.localizedDescription)")
        }
        pending.removeAll(keepingCapacity: true)
    }
}
