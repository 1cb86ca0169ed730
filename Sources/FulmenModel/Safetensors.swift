import Foundation
import ModelFiles

/// The safetensors file format: an 8-byte little-endian header size, a JSON header, then raw tensor data.
///
/// The header maps each tensor name to `{"dtype": "F32", "shape": [...], "data_offsets": [begin, end]}` (byte
/// offsets into the data section) and may hold a `__metadata__` object of string values. Only F32 is written and
/// read. Every inconsistency a truncated or corrupted file can show is reported by name. Reading the header is
/// `ModelFiles`' (shared with Hugging Face model directories); writing stays here.
/// https://huggingface.co/docs/safetensors/index
package enum Safetensors {
    /// Where one tensor's bytes are.
    package struct TensorInfo: Equatable {
        package let shape: [Int]
        /// Byte range in the whole file.
        package let byteRange: Range<Int>
    }

    /// A parsed header.
    package struct Header {
        package let metadata: [String: String]
        package let tensors: [String: TensorInfo]
        /// Byte range of the data section in the whole file.
        package let dataRange: Range<Int>
    }

    /// Encodes tensors (in the given order, contiguous) and string metadata into a file image.
    package static func encode(
        tensors: [(name: String, shape: [Int], values: UnsafeBufferPointer<Float>)], metadata: [String: String]
    )
        -> [UInt8]
    {
        var json = "{\"__metadata__\":{"
        json += metadata.keys.sorted().map { "\(quoted($0)):\(quoted(metadata[$0]!))" }.joined(separator: ",")
        json += "}"
        var offset = 0
        for tensor in tensors {
            let end = offset + tensor.values.count * 4
            let shape = tensor.shape.map(String.init).joined(separator: ",")
            json +=
                ",\(quoted(tensor.name)):{\"dtype\":\"F32\",\"shape\":[\(shape)],\"data_offsets\":[\(offset),\(end)]}"
            offset = end
        }
        json += "}"
        var header = Array(json.utf8)
        while header.count % 8 != 0 { header.append(UInt8(ascii: " ")) }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(8 + header.count + offset)
        withUnsafeBytes(of: UInt64(header.count).littleEndian) { bytes.append(contentsOf: $0) }
        bytes.append(contentsOf: header)
        for tensor in tensors {
            #if _endian(little)
                bytes.append(contentsOf: UnsafeRawBufferPointer(tensor.values))
            #else
                for value in tensor.values {
                    withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes.append(contentsOf: $0) }
                }
            #endif
        }
        return bytes
    }

    /// Parses and checks the header of a file image, with the reader the Hugging Face loader uses
    /// (`ModelFiles.SafetensorsHeader`), then keeps it to F32, the checkpoints' only dtype.
    ///
    /// - Throws: ``ModelError`` saying what is wrong: truncated file, malformed JSON, unsupported dtype, offsets that
    ///   disagree with a shape, overlap or run past the end of the file.
    package static func parseHeader(_ bytes: UnsafeRawBufferPointer) throws(ModelError) -> Header {
        let header: SafetensorsHeader
        do {
            header = try SafetensorsHeader.parse(bytes, file: "checkpoint")
        } catch {
            throw ModelError(error.description)
        }
        var tensors: [String: TensorInfo] = [:]
        for (name, info) in header.tensors {
            guard info.dtype == .f32 else {
                throw ModelError(
                    "safetensors: tensor '\(name)' has dtype \(info.dtype.rawValue); only F32 is supported")
            }
            tensors[name] = TensorInfo(shape: info.shape, byteRange: info.byteRange)
        }
        return Header(metadata: header.metadata, tensors: tensors, dataRange: header.dataRange)
    }

    /// The file image with `extra` added to its `__metadata__` (a key already there takes the new value), or in place
    /// of it when `replacing`; the tensors and their bytes are unchanged, since data offsets count from the data
    /// section's start.
    ///
    /// - Throws: ``ModelError`` when the image's header does not parse.
    package static func addingMetadata(
        _ extra: [String: String], to image: [UInt8], replacing: Bool = false
    ) throws(ModelError) -> [UInt8] {
        let parsed = image.withUnsafeBytes { raw in Result { () throws(ModelError) in try parseHeader(raw) } }
        let header = try parsed.get()
        let jsonRange = 8..<header.dataRange.lowerBound
        guard
            var object = (try? JSONSerialization.jsonObject(with: Data(image[jsonRange]))) as? [String: Any]
        else { throw ModelError("safetensors: the header is not a JSON object") }
        object["__metadata__"] = replacing ? extra : header.metadata.merging(extra) { _, new in new }
        guard var json = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]).map({ $0 }) else {
            throw ModelError("safetensors: the header cannot be written back")
        }
        while json.count % 8 != 0 { json.append(UInt8(ascii: " ")) }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(8 + json.count + header.dataRange.count)
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { bytes.append(contentsOf: $0) }
        bytes.append(contentsOf: json)
        bytes.append(contentsOf: image[header.dataRange])
        return bytes
    }

    /// Copies a tensor's values out of a file image.
    package static func read(_ info: TensorInfo, from bytes: UnsafeRawBufferPointer, into destination: FloatPointer) {
        let count = info.byteRange.count / 4
        #if _endian(little)
            UnsafeMutableRawPointer(destination).copyMemory(
                from: bytes.baseAddress! + info.byteRange.lowerBound, byteCount: 4 * count)
        #else
            for i in 0..<count {
                destination[i] = Float(
                    bitPattern: UInt32(
                        littleEndian: bytes.loadUnaligned(
                            fromByteOffset: info.byteRange.lowerBound + 4 * i, as: UInt32.self)))
            }
        #endif
    }

    private static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20: out += String(format: "\\u%04x", scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}

/// CRC-32 (IEEE 802.3, as zlib), to detect corrupted checkpoint data.
package enum CRC32 {
    private static let table: [UInt32] = (0..<256).map { n in
        var c = UInt32(n)
        for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }

    package static func checksum(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        table.withUnsafeBufferPointer { table in
            for byte in bytes { crc = table[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8) }
        }
        return crc ^ 0xFFFF_FFFF
    }
}
