/// Where a tensor is in a GGUF file, and its shape and type.
///
/// GGUF lists dimensions innermost first, as ggml does: a matrix of `r` rows of `c` values is `[c, r]`, so
/// `blk.0.attn_k.weight` of SmolLM2 is `[576, 192]`, 192 rows of 576. Rows are the unit of dequantisation: a row
/// is always a whole number of its type's blocks.
public struct GGUFTensorInfo: Sendable, Equatable {
    public let name: String
    /// The dimensions, innermost (the row length) first.
    public let dimensions: [Int]
    public let type: GGMLType
    /// The offset of the tensor's bytes from the start of the data section.
    public let offset: UInt64
    /// The number of values.
    public let elementCount: Int
    /// The number of bytes the tensor takes.
    public let byteCount: Int

    /// The values in one row (the innermost dimension).
    public var rowLength: Int { dimensions[0] }
    /// The number of rows (the product of the other dimensions).
    public var rowCount: Int { dimensions.dropFirst().reduce(1, *) }
    /// The bytes one row takes.
    public var rowByteCount: Int { rowLength / type.blockSize * type.blockBytes }

    /// A tensor info, checked: one to four dimensions whose product fits, rows of whole blocks.
    init(name: String, dimensions raw: [UInt64], type: GGMLType, offset: UInt64) throws(GGUFError) {
        guard (1...GGUFParser.maxDimensions).contains(raw.count) else {
            throw .badDimensions(tensor: name, dimensions: raw)
        }
        var count = 1
        for dimension in raw {
            guard dimension <= UInt64(Int.max) else { throw .badDimensions(tensor: name, dimensions: raw) }
            let (product, overflow) = count.multipliedReportingOverflow(by: Int(dimension))
            guard !overflow else { throw .badDimensions(tensor: name, dimensions: raw) }
            count = product
        }
        let dimensions = raw.map { Int($0) }
        guard dimensions[0] % type.blockSize == 0 else {
            throw .rowNotWholeBlocks(tensor: name, type: type, rowLength: dimensions[0])
        }
        guard let byteCount = type.byteCount(values: count) else { throw .badDimensions(tensor: name, dimensions: raw) }
        self.name = name
        self.dimensions = dimensions
        self.type = type
        self.offset = offset
        self.elementCount = count
        self.byteCount = byteCount
    }
}
