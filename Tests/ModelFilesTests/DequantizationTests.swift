import Foundation
import Testing

@testable import ModelFiles

/// Dequantisation of every supported type against the `gguf` Python package's `gguf.quants.dequantize`, bit for bit,
/// on random blocks (Fixtures/dequant-blocks.json, made by scripts/golden/dequant-fixtures.py).
@Suite struct DequantizationTests {
    struct Case {
        let type: GGMLType
        let bytes: [UInt8]
        let expected: [Float]
    }

    static func cases() throws -> [Case] {
        let json = try Fixtures.json("dequant-blocks.json")
        let entries = try #require(json["cases"] as? [[String: Any]])
        return try entries.map { entry in
            let name = try #require(entry["type"] as? String)
            let type = try #require(GGMLType.allCases.first { $0.name == name }, "unknown type \(name)")
            return Case(
                type: type, bytes: try bytes(hex: try #require(entry["bytes"] as? String)),
                expected: try floats(hex: try #require(entry["expected"] as? String)))
        }
    }

    @Test func everySupportedTypeHasGoldenBlocks() throws {
        let covered = Set(try Self.cases().map(\.type))
        #expect(covered == Set(GGMLType.allCases.filter(\.canDequantize)))
    }

    /// Exact equality of bit patterns: the Swift code does the reference's Float32 operations in the same order.
    @Test func everyTypeMatchesTheReferenceBitForBit() throws {
        for golden in try Self.cases() {
            let values = try golden.bytes.withUnsafeBytes { try Dequantization.dequantize(golden.type, from: $0) }
            #expect(values.count == golden.expected.count, "\(golden.type)")
            let mismatches = zip(values, golden.expected).enumerated().filter { $1.0.bitPattern != $1.1.bitPattern }
            let first = mismatches.first.map { "\($0.offset): \($0.element.0) vs \($0.element.1)" } ?? ""
            #expect(mismatches.isEmpty, "\(golden.type): \(mismatches.count) values differ, first at \(first)")
        }
    }

    /// A tensor written in GGUF with the golden blocks as rows reads back the same, row by row or whole.
    @Test func rowsOfAQuantisedTensorEqualTheWhole() throws {
        for golden in try Self.cases() where golden.type.blockSize > 1 {
            let rowLength = golden.type.blockSize
            let rows = golden.expected.count / rowLength
            var writer = GGUFWriter()
            try writer.addTensor(name: "t", dimensions: [rowLength, rows], type: golden.type, bytes: golden.bytes)
            let tensor = try GGUFFile(image: writer.image()).tensor(named: "t")
            #expect(try tensor.dequantized().map(\.bitPattern) == golden.expected.map(\.bitPattern), "\(golden.type)")
            var row = [Float](repeating: .nan, count: rowLength)
            for index in 0..<rows {
                try row.withUnsafeMutableBufferPointer { try tensor.dequantize(row: index, into: $0) }
                let expected = golden.expected[(index * rowLength)..<((index + 1) * rowLength)]
                #expect(row.map(\.bitPattern) == expected.map(\.bitPattern), "\(golden.type) row \(index)")
            }
        }
    }

    @Test func buffersOfTheWrongSizeAreRefused() throws {
        let source = [UInt8](repeating: 0, count: 34 * 2)
        var destination = [Float](repeating: 0, count: 48)
        try source.withUnsafeBytes { raw in
            try destination.withUnsafeMutableBufferPointer { out in
                #expect(throws: GGUFError.self) { try Dequantization.dequantize(.q8_0, from: raw, into: out) }
            }
        }
        #expect(throws: GGUFError.self) {
            try Array(source.prefix(35)).withUnsafeBytes { try Dequantization.dequantize(.q8_0, from: $0) }
        }
        #expect(throws: GGUFError.unsupportedTensorType(tensor: "buffer", type: .iq2_xxs)) {
            try source.withUnsafeBytes { try Dequantization.dequantize(.iq2_xxs, from: $0) }
        }
    }

    @Test func halfPrecisionConversionsRoundTrip() {
        let finiteOrInfinite = (UInt16.min...UInt16.max).filter { ($0 & 0x7C00) != 0x7C00 || ($0 & 0x03FF) == 0 }
        let changed = finiteOrInfinite.filter { HalfPrecision.half(HalfPrecision.float(half: $0)) != $0 }
        #expect(changed.isEmpty, "\(changed.count) halves change in a round trip, first \(changed.first ?? 0)")
        #expect(HalfPrecision.half(1e6) == 0x7C00)
        #expect(HalfPrecision.half(1 + 0x1p-11) == 0x3C00)  // a tie rounds to even
        #expect(HalfPrecision.float(bfloat16: 0x3F80) == 1)
    }
}
