import Foundation

/// The safetensors file format: an 8-byte little-endian header size, a JSON header, then raw tensor data.
///
/// The header maps each tensor name to `{"dtype": "F32", "shape": [...], "data_offsets": [begin, end]}` (byte
/// offsets into the data section) and may hold a `__metadata__` object of string values. Only F32 is written and
/// read. Every inconsistency a truncated or corrupted file can show is reported by name.
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
            for value in tensor.values {
                withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes.append(contentsOf: $0) }
            }
        }
        return bytes
    }

    /// Parses and checks the header of a file image.
    ///
    /// - Throws: ``ModelError`` saying what is wrong: truncated file, malformed JSON, unsupported dtype, offsets that
    ///   disagree with a shape or run past the end of the file.
    package static func parseHeader(_ bytes: UnsafeRawBufferPointer) throws(ModelError) -> Header {
        guard bytes.count >= 8 else {
            throw ModelError("safetensors: file is truncated: \(bytes.count) bytes, fewer than the 8-byte header size")
        }
        let headerSize = UInt64(littleEndian: bytes.loadUnaligned(as: UInt64.self))
        guard headerSize <= UInt64(bytes.count - 8) else {
            throw ModelError(
                "safetensors: file is truncated: header size field says \(headerSize) bytes, but only "
                    + "\(bytes.count - 8) bytes follow it")
        }
        let dataStart = 8 + Int(headerSize)
        let headerData = Data(bytes[8..<dataStart])
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: headerData)
        } catch {
            throw ModelError("safetensors: header is corrupted: not valid JSON (\(error.localizedDescription))")
        }
        guard let entries = object as? [String: Any] else {
            throw ModelError("safetensors: header is corrupted: the JSON is not an object")
        }
        var metadata: [String: String] = [:]
        var tensors: [String: TensorInfo] = [:]
        let dataSize = bytes.count - dataStart
        for (name, value) in entries {
            if name == "__metadata__" {
                guard let values = value as? [String: Any] else {
                    throw ModelError("safetensors: header is corrupted: __metadata__ is not an object")
                }
                for (key, value) in values {
                    guard let text = value as? String else {
                        throw ModelError("safetensors: header is corrupted: metadata '\(key)' is not a string")
                    }
                    metadata[key] = text
                }
                continue
            }
            guard let info = value as? [String: Any] else {
                throw ModelError("safetensors: header is corrupted: entry '\(name)' is not an object")
            }
            guard let dtype = info["dtype"] as? String else {
                throw ModelError("safetensors: tensor '\(name)' has no dtype")
            }
            guard dtype == "F32" else {
                throw ModelError("safetensors: tensor '\(name)' has dtype \(dtype); only F32 is supported")
            }
            guard let shape = integers(info["shape"]), shape.allSatisfy({ $0 >= 0 }) else {
                throw ModelError("safetensors: tensor '\(name)' has no valid shape")
            }
            guard let offsets = integers(info["data_offsets"]), offsets.count == 2, offsets[0] >= 0,
                offsets[0] <= offsets[1]
            else {
                throw ModelError("safetensors: tensor '\(name)' has no valid data_offsets")
            }
            let needed = shape.reduce(1, *) * 4
            guard offsets[1] - offsets[0] == needed else {
                throw ModelError(
                    "safetensors: tensor '\(name)' has data_offsets [\(offsets[0]), \(offsets[1])] holding "
                        + "\(offsets[1] - offsets[0]) bytes, but shape \(shape) of F32 needs \(needed)")
            }
            guard offsets[1] <= dataSize else {
                throw ModelError(
                    "safetensors: file is truncated: tensor '\(name)' ends at byte \(offsets[1]) of the data section, "
                        + "which holds only \(dataSize) bytes")
            }
            tensors[name] = TensorInfo(shape: shape, byteRange: (dataStart + offsets[0])..<(dataStart + offsets[1]))
        }
        return Header(metadata: metadata, tensors: tensors, dataRange: dataStart..<bytes.count)
    }

    /// Copies a tensor's values out of a file image.
    package static func read(_ info: TensorInfo, from bytes: UnsafeRawBufferPointer, into destination: FloatPointer) {
        let count = info.byteRange.count / 4
        for i in 0..<count {
            destination[i] = Float(
                bitPattern: UInt32(
                    littleEndian: bytes.loadUnaligned(
                        fromByteOffset: info.byteRange.lowerBound + 4 * i, as: UInt32.self)))
        }
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
