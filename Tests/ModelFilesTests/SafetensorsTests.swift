import Foundation
import Testing

@testable import ModelFiles

/// Builds safetensors file images for the tests: tensors in order, contiguous, with a JSON header.
struct SafetensorsImage {
    var tensors: [(name: String, dtype: String, shape: [Int], bytes: [UInt8])] = []
    var metadata: [String: String] = [:]

    mutating func add(_ name: String, _ values: [Float], shape: [Int], dtype: SafetensorsDType = .f32) {
        let bytes: [UInt8] = values.flatMap { value -> [UInt8] in
            switch dtype {
            case .f32: littleEndian(value.bitPattern)
            case .f16: littleEndian(HalfPrecision.half(value))
            case .bf16: littleEndian(UInt16(value.bitPattern >> 16))
            default: fatalError("test images hold float tensors only")
            }
        }
        tensors.append((name, dtype.rawValue, shape, bytes))
    }

    func image() -> [UInt8] {
        var entries: [String] = []
        if !metadata.isEmpty {
            let pairs = metadata.keys.sorted().map { "\"\($0)\":\"\(metadata[$0]!)\"" }
            entries.append("\"__metadata__\":{\(pairs.joined(separator: ","))}")
        }
        var offset = 0
        for tensor in tensors {
            let shape = tensor.shape.map(String.init).joined(separator: ",")
            let offsets = "[\(offset),\(offset + tensor.bytes.count)]"
            entries.append(
                "\"\(tensor.name)\":{\"dtype\":\"\(tensor.dtype)\",\"shape\":[\(shape)],\"data_offsets\":\(offsets)}")
            offset += tensor.bytes.count
        }
        let header = Array("{\(entries.joined(separator: ","))}".utf8)
        return littleEndian(UInt64(header.count)) + header + tensors.flatMap(\.bytes)
    }

    func write(to path: String) throws { try Data(image()).write(to: URL(fileURLWithPath: path)) }
}

/// Safetensors files read memory-mapped: F32, F16 and BF16 to Float32, metadata, and damaged files refused.
@Suite struct SafetensorsTests {
    static func sample() -> SafetensorsImage {
        var image = SafetensorsImage()
        image.metadata = ["format": "pt"]
        image.add("a.f32", [1.5, -2, 0.1, 3e-8], shape: [2, 2])
        image.add("b.f16", [0.5, -1, 65504, 0.099975586], shape: [4], dtype: .f16)
        image.add("c.bf16", [1, -0.5, 3.140625], shape: [3, 1], dtype: .bf16)
        return image
    }

    @Test func floatTensorsOfEachDTypeReadAsFloat32() throws {
        let path = temporaryPath("sample.safetensors")
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Self.sample().write(to: path)
        let file = try SafetensorsFile(path: path)
        #expect(file.header.metadata == ["format": "pt"])
        #expect(file.tensorNames == ["a.f32", "b.f16", "c.bf16"])
        let a = try file.tensor(named: "a.f32")
        #expect(a.shape == [2, 2] && a.dtype == .f32)
        #expect(try a.floats() == [1.5, -2, 0.1, 3e-8])
        #expect(try file.tensor(named: "b.f16").floats() == [0.5, -1, 65504, 0.099975586])
        #expect(try file.tensor(named: "c.bf16").floats() == [1, -0.5, 3.140625])
        #expect(throws: SafetensorsError.missingTensor(file: path, tensor: "d")) { try file.tensor(named: "d") }
    }

    @Test func otherDTypesAreRefusedByName() throws {
        var image = Self.sample()
        image.tensors.append(("ids", "I64", [2], [UInt8](repeating: 0, count: 16)))
        let file = try SafetensorsFile(image: image.image(), name: "ids.safetensors")
        let error = #expect(throws: SafetensorsError.self) { try file.tensor(named: "ids").floats() }
        #expect(error == .unsupportedDType(file: "ids.safetensors", tensor: "ids", dtype: .i64))
        #expect(error?.description.contains("dtype I64") == true)
        image.tensors.append(("odd", "F4", [2], [0]))
        #expect(throws: SafetensorsError.unknownDType(file: "odd", tensor: "odd", dtype: "F4")) {
            try SafetensorsFile(image: image.image(), name: "odd")
        }
    }

    @Test func truncatedAndCorruptFilesAreRefusedWithWhatIsWrong() throws {
        let image = Self.sample().image()
        let headerSize = Int(image.withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) })
        for length in 0..<image.count {
            let error = #expect(throws: SafetensorsError.self) {
                try SafetensorsFile(image: Array(image.prefix(length)))
            }
            #expect(error?.description.contains("truncated") == true, "\(length) bytes: \(String(describing: error))")
        }
        var notJSON = image
        notJSON[8] = UInt8(ascii: "[")
        #expect(throws: SafetensorsError.self) { try SafetensorsFile(image: notJSON) }
        // Make b.f16 claim a.f32's bytes.
        var header = String(decoding: image[8..<(8 + headerSize)], as: UTF8.self)
        header = header.replacingOccurrences(of: "\"data_offsets\":[16,24]", with: "\"data_offsets\":[8,16]")
        func replacingHeader(_ text: String) -> [UInt8] {
            littleEndian(UInt64(text.utf8.count)) + Array(text.utf8) + Array(image[(8 + headerSize)...])
        }
        let overlapping = replacingHeader(header)
        #expect(throws: SafetensorsError.overlappingTensors(file: "<memory>", first: "a.f32", second: "b.f16")) {
            try SafetensorsFile(image: overlapping)
        }
        let wrongSize = header.replacingOccurrences(of: "\"shape\":[4]", with: "\"shape\":[5]")
        let misshapen = replacingHeader(wrongSize)
        let error = #expect(throws: SafetensorsError.self) { try SafetensorsFile(image: misshapen) }
        #expect(error?.description.contains("shape [5] of dtype F16 needs 10") == true)
    }
}
