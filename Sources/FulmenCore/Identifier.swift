/// The identifier of one kind of record: rollouts, attempts, experiments, workers.
///
/// The kind is part of the type, so an attempt's id cannot be passed where a rollout's is
/// expected. It travels and prints as its plain string.
public struct Identifier<Kind>: Hashable, Sendable, Codable, CustomStringConvertible, ExpressibleByStringLiteral {
    public let rawValue: String

    public init(_ rawValue: String) {
        self.rawValue = rawValue
    }

    public init(stringLiteral value: String) {
        self.rawValue = value
    }

    public init(from decoder: any Decoder) throws {
        rawValue = try decoder.singleValueContainer().decode(String.self)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }

    public var description: String { rawValue }
}

public typealias RolloutID = Identifier<Rollout>
public typealias AttemptID = Identifier<Attempt>
public typealias ExperimentID = Identifier<Experiment>
public typealias WorkerID = Identifier<Worker>
