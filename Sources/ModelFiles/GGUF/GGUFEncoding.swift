/// The byte encoding of a GGUF file's header (version 3, little-endian), shared by the in-memory ``GGUFWriter`` and
/// the streaming ``GGUFStreamWriter``: metadata, tensor infos, the offsets the tensors will have, the padding.
enum GGUFEncoding {
    /// One tensor as the header lists it: its bytes come later, in the data section, in the same order.
    struct TensorEntry {
        let name: String
        let dimensions: [Int]
        let type: GGMLType
        let byteCount: Int
    }

    /// Checks a tensor to be written, and returns how many bytes it takes.
    ///
    /// - Throws: ``GGUFError/invalidTensorForWriting(tensor:reason:)`` for no or more than four dimensions, a
    ///   negative one, or rows that are not whole blocks of `type`.
    static func byteCount(name: String, dimensions: [Int], type: GGMLType) throws(GGUFError) -> Int {
        guard (1...GGUFParser.maxDimensions).contains(dimensions.count), dimensions.allSatisfy({ $0 >= 0 }) else {
            throw .invalidTensorForWriting(tensor: name, reason: "dimensions \(dimensions) are not 1 to 4 counts")
        }
        guard dimensions[0] % type.blockSize == 0 else {
            throw .invalidTensorForWriting(
                tensor: name, reason: "rows of \(dimensions[0]) are not whole \(type) blocks of \(type.blockSize)")
        }
        guard let count = type.byteCount(values: dimensions.reduce(1, *)) else {
            throw .invalidTensorForWriting(tensor: name, reason: "dimensions \(dimensions) are too large")
        }
        return count
    }

    /// Everything before the data section, padded to `alignment`.
    static func header(entries: [(key: String, value: GGUFValue)], tensors: [TensorEntry], alignment: Int) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.append(contentsOf: GGUFParser.magic)
        append(UInt32(3), to: &bytes)
        append(UInt64(tensors.count), to: &bytes)
        append(UInt64(entries.count), to: &bytes)
        for (key, value) in entries {
            append(key, to: &bytes)
            append(value.type.rawValue, to: &bytes)
            append(value, to: &bytes)
        }
        var offset = 0
        for tensor in tensors {
            append(tensor.name, to: &bytes)
            append(UInt32(tensor.dimensions.count), to: &bytes)
            for dimension in tensor.dimensions { append(UInt64(dimension), to: &bytes) }
            append(tensor.type.rawValue, to: &bytes)
            append(UInt64(offset), to: &bytes)
            offset += padded(tensor.byteCount, alignment: alignment)
        }
        bytes.append(contentsOf: padding(after: bytes.count, alignment: alignment))
        return bytes
    }

    /// `count` rounded up to a multiple of `alignment`.
    static func padded(_ count: Int, alignment: Int) -> Int { (count + alignment - 1) / alignment * alignment }

    /// The zero bytes that bring `count` bytes to a multiple of `alignment`.
    static func padding(after count: Int, alignment: Int) -> [UInt8] {
        [UInt8](repeating: 0, count: padded(count, alignment: alignment) - count)
    }

    private static func append<T: FixedWidthInteger>(_ value: T, to bytes: inout [UInt8]) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    private static func append(_ string: String, to bytes: inout [UInt8]) {
        append(UInt64(string.utf8.count), to: &bytes)
        bytes.append(contentsOf: string.utf8)
    }

    private static func append(_ value: GGUFValue, to bytes: inout [UInt8]) {
        switch value {
        case .uint8(let v): append(v, to: &bytes)
        case .int8(let v): append(v, to: &bytes)
        case .uint16(let v): append(v, to: &bytes)
        case .int16(let v): append(v, to: &bytes)
        case .uint32(let v): append(v, to: &bytes)
        case .int32(let v): append(v, to: &bytes)
        case .uint64(let v): append(v, to: &bytes)
        case .int64(let v): append(v, to: &bytes)
        case .float32(let v): append(v.bitPattern, to: &bytes)
        case .float64(let v): append(v.bitPattern, to: &bytes)
        case .bool(let v): append(UInt8(v ? 1 : 0), to: &bytes)
        case .string(let v): append(v, to: &bytes)
        case .array(let array): append(array, to: &bytes)
        }
    }

    private static func append(_ array: GGUFArray, to bytes: inout [UInt8]) {
        append(array.elementType.rawValue, to: &bytes)
        append(UInt64(array.count), to: &bytes)
        switch array {
        case .uint8(let a): a.forEach { append($0, to: &bytes) }
        case .int8(let a): a.forEach { append($0, to: &bytes) }
        case .uint16(let a): a.forEach { append($0, to: &bytes) }
        case .int16(let a): a.forEach { append($0, to: &bytes) }
        case .uint32(let a): a.forEach { append($0, to: &bytes) }
        case .int32(let a): a.forEach { append($0, to: &bytes) }
        case .uint64(let a): a.forEach { append($0, to: &bytes) }
        case .int64(let a): a.forEach { append($0, to: &bytes) }
        case .float32(let a): a.forEach { append($0.bitPattern, to: &bytes) }
        case .float64(let a): a.forEach { append($0.bitPattern, to: &bytes) }
        case .bool(let a): a.forEach { append(UInt8($0 ? 1 : 0), to: &bytes) }
        case .string(let a): a.forEach { append($0, to: &bytes) }
        case .array(let a): a.forEach { append($0, to: &bytes) }
        }
    }
}
