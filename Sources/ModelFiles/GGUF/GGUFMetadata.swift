/// A GGUF file's metadata: its key-value pairs in file order, with typed accessors.
///
/// Each accessor throws ``GGUFError/missingKey(_:)`` when the key is absent and
/// ``GGUFError/typeMismatch(key:expected:found:)`` naming the expected and the found type when the value is of
/// another type, so a loader's errors say exactly which entry of which model file is wrong. Use ``contains(_:)``
/// for optional keys.
public struct GGUFMetadata: Sendable, Equatable {
    /// The values by key.
    public let entries: [String: GGUFValue]
    /// The keys in the order the file lists them.
    public let keys: [String]

    public init(entries: [String: GGUFValue], keys: [String]) {
        self.entries = entries
        self.keys = keys
    }

    public subscript(key: String) -> GGUFValue? { entries[key] }

    public func contains(_ key: String) -> Bool { entries[key] != nil }

    /// The value under `key`, or ``GGUFError/missingKey(_:)``.
    public func value(_ key: String) throws(GGUFError) -> GGUFValue {
        guard let value = entries[key] else { throw .missingKey(key) }
        return value
    }

    public func string(_ key: String) throws(GGUFError) -> String {
        let value = try value(key)
        guard case .string(let string) = value else { throw mismatch(key, "string", value) }
        return string
    }

    public func bool(_ key: String) throws(GGUFError) -> Bool {
        let value = try value(key)
        guard case .bool(let bool) = value else { throw mismatch(key, "bool", value) }
        return bool
    }

    public func uint32(_ key: String) throws(GGUFError) -> UInt32 {
        let value = try value(key)
        guard case .uint32(let number) = value else { throw mismatch(key, "uint32", value) }
        return number
    }

    public func int32(_ key: String) throws(GGUFError) -> Int32 {
        let value = try value(key)
        guard case .int32(let number) = value else { throw mismatch(key, "int32", value) }
        return number
    }

    public func uint64(_ key: String) throws(GGUFError) -> UInt64 {
        let value = try value(key)
        guard case .uint64(let number) = value else { throw mismatch(key, "uint64", value) }
        return number
    }

    public func float32(_ key: String) throws(GGUFError) -> Float {
        let value = try value(key)
        guard case .float32(let number) = value else { throw mismatch(key, "float32", value) }
        return number
    }

    /// An integer of any width (writers differ: llama.cpp writes counts as `uint32`, others as `int32` or
    /// `uint64`), as `Int`.
    public func integer(_ key: String) throws(GGUFError) -> Int {
        let value = try value(key)
        guard let number = value.integer else {
            if case .uint64(let big) = value { throw .valueOutOfRange(key: key, value: "\(big)", expected: "Int") }
            throw mismatch(key, "an integer", value)
        }
        return number
    }

    /// A `float32` or `float64`, as `Double`.
    public func real(_ key: String) throws(GGUFError) -> Double {
        let value = try value(key)
        switch value {
        case .float32(let number): return Double(number)
        case .float64(let number): return number
        default: throw mismatch(key, "float32 or float64", value)
        }
    }

    /// The array under `key`, of any element type.
    public func array(_ key: String) throws(GGUFError) -> GGUFArray {
        let value = try value(key)
        guard case .array(let array) = value else { throw mismatch(key, "an array", value) }
        return array
    }

    public func strings(_ key: String) throws(GGUFError) -> [String] {
        guard case .string(let strings) = try array(key) else { throw mismatch(key, "array of string", try value(key)) }
        return strings
    }

    /// An array of integers of any width, as `[Int]`.
    public func integers(_ key: String) throws(GGUFError) -> [Int] {
        let array = try array(key)
        let integers: [Int]? =
            switch array {
            case .uint8(let a): a.map { Int($0) }
            case .int8(let a): a.map { Int($0) }
            case .uint16(let a): a.map { Int($0) }
            case .int16(let a): a.map { Int($0) }
            case .uint32(let a): a.map { Int($0) }
            case .int32(let a): a.map { Int($0) }
            case .int64(let a): a.map { Int($0) }
            case .uint64(let a):
                a.allSatisfy { $0 <= UInt64(Int.max) } ? a.map { Int($0) } : nil
            default: nil
            }
        guard let integers else {
            if case .uint64 = array {
                throw .valueOutOfRange(key: key, value: "an element above Int.max", expected: "Int")
            }
            throw mismatch(key, "array of integers", try value(key))
        }
        return integers
    }

    /// An array of `float32` (or `float64`, rounded), as `[Float]`.
    public func floats(_ key: String) throws(GGUFError) -> [Float] {
        switch try array(key) {
        case .float32(let values): return values
        case .float64(let values): return values.map { Float($0) }
        default: throw mismatch(key, "array of float32", try value(key))
        }
    }

    private func mismatch(_ key: String, _ expected: String, _ found: GGUFValue) -> GGUFError {
        .typeMismatch(key: key, expected: expected, found: found.typeDescription)
    }
}
