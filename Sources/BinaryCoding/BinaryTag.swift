/// The first byte of every value `BinaryEncoder` writes: what follows and how long it is.
///
/// ```
/// nil, false, true                       tag only
/// int                                    zigzag varint
/// uint                                   varint
/// float32, float64                       4 / 8 bytes little-endian
/// string                                 varint length, then the UTF-8 bytes
/// keyed                                  u32 body length, then (varint key length, key, value)*
/// unkeyed                                u32 body length, u32 element count, then the values
/// array                                  element kind byte, varint count, raw little-endian elements
/// blob                                   element kind byte, varint count, varint out-of-band index
/// ```
/// `array` and `blob` carry `[Float]`, `[Double]`, `[Int]`, `[Int32]`, `[UInt8]` and `Data` as
/// raw memory; `blob` leaves the bytes out of the buffer, in the encoder's `OutOfBandSink` (the
/// actor system sends each as a frame of its own, without copying it).
///
/// The format is shared by the actor system's messages and the store's database: changing it breaks
/// both compatibility between versions and databases written before.
public enum BinaryTag: UInt8 {
    case null = 0
    case `false` = 1
    case `true` = 2
    case int = 3
    case uint = 4
    case float32 = 5
    case float64 = 6
    case string = 7
    case keyed = 9
    case unkeyed = 10
    case array = 11
    case blob = 12

    var name: String {
        switch self {
        case .null: "nil"
        case .false, .true: "Bool"
        case .int: "signed integer"
        case .uint: "unsigned integer"
        case .float32: "Float"
        case .float64: "Double"
        case .string: "String"
        case .keyed: "keyed container"
        case .unkeyed: "unkeyed container"
        case .array: "raw array"
        case .blob: "out-of-band array"
        }
    }
}

/// The element type of a raw `array` or `blob` value.
public enum BinaryElementKind: UInt8 {
    case uint8 = 1
    case float32 = 2
    case float64 = 3
    case int64 = 4
    case int32 = 5

    var size: Int {
        switch self {
        case .uint8: 1
        case .float32, .int32: 4
        case .float64, .int64: 8
        }
    }
}
