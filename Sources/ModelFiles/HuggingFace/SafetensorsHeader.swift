import Foundation

/// The header of a safetensors file: an 8-byte little-endian header size, a JSON object, then the data section.
///
/// The JSON maps each tensor name to `{"dtype": "F32", "shape": [...], "data_offsets": [begin, end]}` (byte
/// offsets into the data section) and may hold a `__metadata__` object of string values.
/// https://huggingface.co/docs/safetensors/index
///
/// Parsing checks everything a truncated or corrupted file can show: a header size past the end, JSON that is not
/// an object, entries without dtype, shape or offsets, offsets that disagree with the shape or run past the end,
/// tensors that overlap. Every dtype safetensors defines is accepted here (so a caller can name one it refuses);
/// ``SafetensorsDType/isSupported`` says which ones Fulmen reads as Float32.
public struct SafetensorsHeader: Sendable, Equatable {
    /// Where one tensor is, and its shape and dtype.
    public struct TensorInfo: Sendable, Equatable {
        public let name: String
        public let dtype: SafetensorsDType
        public let shape: [Int]
        /// The byte range in the whole file.
        public let byteRange: Range<Int>

        /// The number of elements.
        public var elementCount: Int { shape.reduce(1, *) }
    }

    /// The `__metadata__` strings.
    public let metadata: [String: String]
    /// The tensors by name.
    public let tensors: [String: TensorInfo]
    /// The data section's byte range in the whole file.
    public let dataRange: Range<Int>

    /// The largest header the format allows (the Python package's limit), so a corrupted size cannot make a
    /// reader copy gigabytes into a JSON parser.
    public static let maximumHeaderSize = 100_000_000

    /// Parses and checks the header of the file image `bytes`; `file` names it in errors.
    public static func parse(_ bytes: UnsafeRawBufferPointer, file: String) throws(SafetensorsError) -> Self {
        guard bytes.count >= 8 else {
            throw .truncated(file: file, detail: "\(bytes.count) bytes, fewer than the 8-byte header size")
        }
        let headerSize = UInt64(littleEndian: bytes.loadUnaligned(as: UInt64.self))
        guard headerSize <= UInt64(bytes.count - 8) else {
            throw .truncated(
                file: file,
                detail: "header size field says \(headerSize) bytes, but only \(bytes.count - 8) bytes follow it")
        }
        guard headerSize <= UInt64(maximumHeaderSize) else {
            throw .corruptHeader(file: file, detail: "header size \(headerSize) is above \(maximumHeaderSize) bytes")
        }
        let dataStart = 8 + Int(headerSize)
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: Data(bytes[8..<dataStart]))
        } catch {
            throw .corruptHeader(file: file, detail: "not valid JSON (\(error.localizedDescription))")
        }
        guard let entries = object as? [String: Any] else {
            throw .corruptHeader(file: file, detail: "the JSON is not an object")
        }
        var metadata: [String: String] = [:]
        var tensors: [String: TensorInfo] = [:]
        let dataSize = bytes.count - dataStart
        for (name, value) in entries {
            if name == "__metadata__" {
                guard let values = value as? [String: Any] else {
                    throw .corruptHeader(file: file, detail: "__metadata__ is not an object")
                }
                for (key, value) in values {
                    guard let text = value as? String else {
                        throw .corruptHeader(file: file, detail: "metadata '\(key)' is not a string")
                    }
                    metadata[key] = text
                }
                continue
            }
            tensors[name] = try tensorInfo(name, value, file: file, dataStart: dataStart, dataSize: dataSize)
        }
        let sorted = tensors.values.filter { !$0.byteRange.isEmpty }.sorted {
            $0.byteRange.lowerBound < $1.byteRange.lowerBound
        }
        for (previous, next) in zip(sorted, sorted.dropFirst()) where previous.byteRange.overlaps(next.byteRange) {
            throw .overlappingTensors(file: file, first: previous.name, second: next.name)
        }
        return Self(metadata: metadata, tensors: tensors, dataRange: dataStart..<bytes.count)
    }

    private static func tensorInfo(_ name: String, _ value: Any, file: String, dataStart: Int, dataSize: Int)
        throws(SafetensorsError) -> TensorInfo
    {
        guard let info = value as? [String: Any] else {
            throw .corruptHeader(file: file, detail: "entry '\(name)' is not an object")
        }
        guard let dtypeName = info["dtype"] as? String else {
            throw .badTensorEntry(file: file, tensor: name, detail: "has no dtype")
        }
        guard let dtype = SafetensorsDType(rawValue: dtypeName) else {
            throw .unknownDType(file: file, tensor: name, dtype: dtypeName)
        }
        guard let shape = integers(info["shape"]), shape.allSatisfy({ $0 >= 0 }) else {
            throw .badTensorEntry(file: file, tensor: name, detail: "has no valid shape")
        }
        guard let offsets = integers(info["data_offsets"]), offsets.count == 2, offsets[0] >= 0,
            offsets[0] <= offsets[1]
        else {
            throw .badTensorEntry(file: file, tensor: name, detail: "has no valid data_offsets")
        }
        var needed = dtype.byteWidth
        for dimension in shape {
            let (product, overflow) = needed.multipliedReportingOverflow(by: dimension)
            guard !overflow else {
                throw .badTensorEntry(file: file, tensor: name, detail: "has shape \(shape), too large")
            }
            needed = product
        }
        guard offsets[1] - offsets[0] == needed else {
            throw .badTensorEntry(
                file: file, tensor: name,
                detail: "has data_offsets [\(offsets[0]), \(offsets[1])] holding \(offsets[1] - offsets[0]) bytes, "
                    + "but shape \(shape) of dtype \(dtype.rawValue) needs \(needed)")
        }
        guard offsets[1] <= dataSize else {
            throw .truncated(
                file: file,
                detail: "tensor '\(name)' ends at byte \(offsets[1]) of the data section, which holds only "
                    + "\(dataSize) bytes")
        }
        return TensorInfo(
            name: name, dtype: dtype, shape: shape, byteRange: (dataStart + offsets[0])..<(dataStart + offsets[1]))
    }

    private static func integers(_ value: Any?) -> [Int]? {
        guard let array = value as? [Any] else { return nil }
        var result: [Int] = []
        for element in array {
            guard let number = element as? NSNumber, let integer = Int(exactly: number.doubleValue) else { return nil }
            result.append(integer)
        }
        return result
    }
}
