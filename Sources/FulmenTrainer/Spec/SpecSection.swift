import FulmenCore


/// A mapping of an experiment spec whose every field has a default: the model, the split, an algorithm's
/// settings. Its type declares each field once, with its default value and its documentation; its
/// `init(from:)` reads the fields given over the defaults:
///
/// ```swift
/// public init(from decoder: any Decoder) throws {
///     self.init()
///     let section = try decoder.section(of: self, keyedBy: CodingKeys.self)
///     try section.update(&steps, .steps)
/// }
/// ```
///
/// A field the type does not have is refused by name, with the fields it does have listed: they are the
/// type's stored properties, so there is no second table of keys to keep in step.
public protocol SpecSection: Codable, Sendable, Equatable {
    /// Every field at its default.
    init()
}

extension Decoder {
    /// The keyed container of `section`'s mapping, after refusing any key that is not one of `section`'s
    /// fields (its stored properties, which its synthesized coding keys name).
    /// - Throws: `DecodingError.dataCorrupted` at the unknown key, saying which keys are known there.
    public func section<Section: SpecSection, Key: CodingKey>(
        of section: Section, keyedBy: Key.Type
    ) throws -> KeyedDecodingContainer<Key> {
        let known = Mirror(reflecting: section).children.compactMap(\.label)
        try refuseUnknownKeys(known: known)
        return try container(keyedBy: Key.self)
    }

    /// Refuses any key of this mapping outside `known`.
    /// - Throws: `DecodingError.dataCorrupted` at the first unknown key, saying which keys are known there.
    public func refuseUnknownKeys(known: some Sequence<String>) throws {
        let known = Set(known)
        let given = try container(keyedBy: SpecKey.self)
        if let unknown = given.allKeys.first(where: { !known.contains($0.stringValue) }) {
            throw DecodingError.dataCorrupted(
                DecodingError.Context(
                    codingPath: codingPath + [unknown],
                    debugDescription: "unknown field (known here: \(known.sorted().joined(separator: ", ")))"))
        }
    }
}

extension KeyedDecodingContainer {
    /// Replaces `value` with the field `key` when the mapping gives it; leaves the default otherwise.
    public func update<Value: Decodable>(_ value: inout Value, _ key: Key) throws {
        if let given = try decodeIfPresent(Value.self, forKey: key) { value = given }
    }

    /// Replaces an optional `value` with the field `key` when the mapping gives it.
    public func update<Value: Decodable>(_ value: inout Value?, _ key: Key) throws {
        if let given = try decodeIfPresent(Value.self, forKey: key) { value = given }
    }
}

/// A key of a spec mapping known only by its text: the top level's phases, and keys being checked.
struct SpecKey: CodingKey {
    let stringValue: String
    var intValue: Int? { nil }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

/// A field of an experiment spec that is missing, unknown, of the wrong type or out of range.
public struct SpecError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The field's path, e.g. `grpo.groupSize`; `nil` for the spec as a whole.
    public var field: String?
    public var problem: String

    public init(field: String?, problem: String) {
        self.field = field
        self.problem = problem
    }

    init(_ error: DecodingError) {
        let problem = DecodingProblem(error)
        self.init(field: problem.field, problem: problem.problem)
    }

    /// The same error with its field inside `section` (`groupSize` in `grpo` is `grpo.groupSize`).
    public func within(_ section: String) -> SpecError {
        SpecError(field: field.map { "\(section).\($0)" } ?? section, problem: problem)
    }

    /// Checks one field's value: throws an error naming `field` with `problem` unless `condition` holds.
    public static func require(
        _ condition: Bool, _ field: String, _ problem: @autoclosure () -> String
    ) throws(SpecError) {
        if !condition { throw SpecError(field: field, problem: problem()) }
    }

    public var description: String {
        field.map { "experiment spec: \($0): \(problem)" } ?? "experiment spec: \(problem)"
    }
}
