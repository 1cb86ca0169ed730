/// Parses a GGUF file's header, metadata and tensor infos, and checks the tensors' layout.
///
/// The format (little-endian throughout): the magic `GGUF`, a `uint32` version, `uint64` tensor and key counts,
/// the key-value pairs (a string key, a `uint32` value type, the value), the tensor infos (a string name, a
/// `uint32` dimension count, `uint64` dimensions innermost first, a `uint32` ggml type, a `uint64` offset into the
/// data section), padding to `general.alignment` (32 by default), then the data section.
/// https://github.com/ggml-org/ggml/blob/master/docs/gguf.md
enum GGUFParser {
    /// What the header holds.
    struct Contents {
        let version: UInt32
        let metadata: GGUFMetadata
        let tensors: [GGUFTensorInfo]
        let alignment: Int
        /// The data section's start in the file.
        let dataOffset: Int
    }

    static let magic: [UInt8] = Array("GGUF".utf8)
    static let defaultAlignment = 32
    static let alignmentKey = "general.alignment"
    /// ggml's GGML_MAX_DIMS.
    static let maxDimensions = 4
    /// Arrays of arrays deeper than this are refused, so a crafted file cannot exhaust the stack.
    static let maxNesting = 16

    static func parse(_ bytes: UnsafeRawBufferPointer) throws(GGUFError) -> Contents {
        var cursor = GGUFCursor(bytes)
        try cursor.need(4, "magic")
        let found = Array(bytes[0..<4])
        guard found == magic else { throw .badMagic(found: found) }
        _ = try cursor.read(UInt32.self, "magic")
        let version = try cursor.read(UInt32.self, "version")
        guard version == 2 || version == 3 else {
            if (1...3).contains(version.byteSwapped) { throw .bigEndian(version: version.byteSwapped) }
            throw .unsupportedVersion(version)
        }
        // A tensor info takes at least 32 bytes, a key-value pair at least 13: counts beyond that are corrupt.
        let tensorCount = try cursor.readCount("tensor count", limit: cursor.remaining / 32)
        let keyCount = try cursor.readCount("metadata key count", limit: cursor.remaining / 13)

        var entries: [String: GGUFValue] = [:]
        var keys: [String] = []
        entries.reserveCapacity(keyCount)
        keys.reserveCapacity(keyCount)
        for index in 0..<keyCount {
            let start = cursor.offset
            let key = try cursor.readString("metadata key \(index)")
            let typeOffset = cursor.offset
            let code = try cursor.read(UInt32.self, "value type of metadata '\(key)'")
            guard let type = GGUFValueType(rawValue: code) else {
                throw .unknownValueType(key: key, code: code, offset: typeOffset)
            }
            let value = try readValue(type, key: key, from: &cursor, depth: 0)
            guard entries.updateValue(value, forKey: key) == nil else { throw .duplicateKey(key, offset: start) }
            keys.append(key)
        }
        let metadata = GGUFMetadata(entries: entries, keys: keys)
        let alignment = try alignment(in: metadata)

        var tensors: [GGUFTensorInfo] = []
        tensors.reserveCapacity(tensorCount)
        var names = Set<String>()
        for index in 0..<tensorCount {
            let name = try cursor.readString("name of tensor \(index)")
            guard names.insert(name).inserted else { throw .duplicateTensor(name) }
            let dimensionsOffset = cursor.offset
            let dimensionCount = try cursor.read(UInt32.self, "dimension count of tensor '\(name)'")
            guard (1...UInt32(maxDimensions)).contains(dimensionCount) else {
                throw .absurdCount(
                    what: "dimension count of tensor '\(name)'", count: UInt64(dimensionCount), offset: dimensionsOffset
                )
            }
            let dimensions = try cursor.readArray(UInt64.self, count: Int(dimensionCount), "dimensions of '\(name)'")
            let code = try cursor.read(UInt32.self, "type of tensor '\(name)'")
            let offset = try cursor.read(UInt64.self, "data offset of tensor '\(name)'")
            guard let type = GGMLType(rawValue: code) else { throw .unknownTensorType(tensor: name, code: code) }
            tensors.append(try GGUFTensorInfo(name: name, dimensions: dimensions, type: type, offset: offset))
        }
        cursor.align(to: alignment)
        let dataOffset = cursor.offset
        try checkLayout(tensors, alignment: alignment, dataSize: max(0, bytes.count - dataOffset))
        return Contents(
            version: version, metadata: metadata, tensors: tensors, alignment: alignment, dataOffset: dataOffset)
    }

    /// `general.alignment`: a `uint32` power of two, 32 when absent.
    private static func alignment(in metadata: GGUFMetadata) throws(GGUFError) -> Int {
        guard let value = metadata[alignmentKey] else { return defaultAlignment }
        guard case .uint32(let alignment) = value else {
            throw .badAlignment("it is \(value.typeDescription), expected uint32")
        }
        guard alignment > 0, alignment & (alignment - 1) == 0 else {
            throw .badAlignment("\(alignment) is not a power of two")
        }
        return Int(alignment)
    }

    /// Checks that every tensor is aligned, inside the data section, and overlaps no other.
    private static func checkLayout(_ tensors: [GGUFTensorInfo], alignment: Int, dataSize: Int) throws(GGUFError) {
        for tensor in tensors {
            guard tensor.offset % UInt64(alignment) == 0 else {
                throw .misalignedTensor(tensor: tensor.name, offset: tensor.offset, alignment: alignment)
            }
            guard tensor.offset <= UInt64(dataSize), tensor.byteCount <= dataSize - Int(tensor.offset) else {
                throw .tensorOutOfRange(
                    tensor: tensor.name, offset: tensor.offset, byteCount: tensor.byteCount, dataSize: dataSize)
            }
        }
        // By offset, then by place in the file, so the error names the same pair every time.
        let sorted = tensors.enumerated().filter { $0.element.byteCount > 0 }
            .sorted { ($0.element.offset, $0.offset) < ($1.element.offset, $1.offset) }.map(\.element)
        for (previous, next) in zip(sorted, sorted.dropFirst())
        where Int(previous.offset) + previous.byteCount > Int(next.offset) {
            throw .overlappingTensors(previous.name, next.name)
        }
    }

    private static func readValue(_ type: GGUFValueType, key: String, from cursor: inout GGUFCursor, depth: Int)
        throws(GGUFError) -> GGUFValue
    {
        let what = "value of metadata '\(key)'"
        switch type {
        case .uint8: return .uint8(try cursor.read(UInt8.self, what))
        case .int8: return .int8(Int8(bitPattern: try cursor.read(UInt8.self, what)))
        case .uint16: return .uint16(try cursor.read(UInt16.self, what))
        case .int16: return .int16(try cursor.read(Int16.self, what))
        case .uint32: return .uint32(try cursor.read(UInt32.self, what))
        case .int32: return .int32(try cursor.read(Int32.self, what))
        case .uint64: return .uint64(try cursor.read(UInt64.self, what))
        case .int64: return .int64(try cursor.read(Int64.self, what))
        case .float32: return .float32(Float(bitPattern: try cursor.read(UInt32.self, what)))
        case .float64: return .float64(Double(bitPattern: try cursor.read(UInt64.self, what)))
        case .bool: return .bool(try cursor.read(UInt8.self, what) != 0)
        case .string: return .string(try cursor.readString(what))
        case .array: return .array(try readArray(key: key, from: &cursor, depth: depth + 1))
        }
    }

    private static func readArray(key: String, from cursor: inout GGUFCursor, depth: Int) throws(GGUFError)
        -> GGUFArray
    {
        let start = cursor.offset
        guard depth <= maxNesting else {
            throw .absurdCount(what: "array nesting depth of metadata '\(key)'", count: UInt64(depth), offset: start)
        }
        let code = try cursor.read(UInt32.self, "element type of metadata '\(key)'")
        guard let type = GGUFValueType(rawValue: code) else {
            throw .unknownValueType(key: key, code: code, offset: start)
        }
        // Each element takes at least its fixed width, 8 bytes for a string's length, 12 for an array's header.
        let minimumSize = type.fixedWidth ?? (type == .string ? 8 : 12)
        let what = "elements of metadata '\(key)'"
        let count = try cursor.readCount("element count of metadata '\(key)'", limit: cursor.remaining / minimumSize)
        switch type {
        case .uint8: return .uint8(try cursor.readArray(UInt8.self, count: count, what))
        case .int8: return .int8(try cursor.readArray(Int8.self, count: count, what))
        case .uint16: return .uint16(try cursor.readArray(UInt16.self, count: count, what))
        case .int16: return .int16(try cursor.readArray(Int16.self, count: count, what))
        case .uint32: return .uint32(try cursor.readArray(UInt32.self, count: count, what))
        case .int32: return .int32(try cursor.readArray(Int32.self, count: count, what))
        case .uint64: return .uint64(try cursor.readArray(UInt64.self, count: count, what))
        case .int64: return .int64(try cursor.readArray(Int64.self, count: count, what))
        case .float32:
            return .float32(try cursor.readArray(UInt32.self, count: count, what).map(Float.init(bitPattern:)))
        case .float64:
            return .float64(try cursor.readArray(UInt64.self, count: count, what).map(Double.init(bitPattern:)))
        case .bool: return .bool(try cursor.readArray(UInt8.self, count: count, what).map { $0 != 0 })
        case .string:
            var strings: [String] = []
            strings.reserveCapacity(count)
            for index in 0..<count { strings.append(try cursor.readString("element \(index) of metadata '\(key)'")) }
            return .string(strings)
        case .array:
            var arrays: [GGUFArray] = []
            arrays.reserveCapacity(count)
            for _ in 0..<count { arrays.append(try readArray(key: key, from: &cursor, depth: depth + 1)) }
            return .array(arrays)
        }
    }
}
