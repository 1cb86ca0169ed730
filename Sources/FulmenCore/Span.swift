public import Foundation

/// One timed piece of an episode: a model call, a tool call, a reward, or any operation an agent
/// or library traced. Any span a worker uploads is also a heartbeat for its attempt.
///
/// A span travels and is stored in a compact binary form (see `compactBytes()`).
public struct Span: Codable, Sendable, Equatable {
    /// The span's id, unique within its attempt (chosen by whoever made it).
    public var id: String
    /// The enclosing span, if any.
    public var parent: String?
    public var name: String
    public var start: Date
    public var end: Date
    public var attributes: [String: SpanValue]
    public var events: [SpanEvent]
    /// Set when the operation failed.
    public var error: String?

    public init(
        id: String, parent: String? = nil, name: String, start: Date, end: Date, attributes: [String: SpanValue] = [:],
        events: [SpanEvent] = [], error: String? = nil
    ) {
        self.id = id
        self.parent = parent
        self.name = name
        self.start = start
        self.end = end
        self.attributes = attributes
        self.events = events
        self.error = error
    }
}

/// An attribute's value. Token ids and log-probs travel as raw arrays.
public enum SpanValue: Codable, Sendable, Equatable {
    case string(String)
    case int(Int)
    case double(Double)
    case bool(Bool)
    case ints([Int])
    case floats([Float])
    case strings([String])
}

/// Something that happened at an instant inside a span.
public struct SpanEvent: Codable, Sendable, Equatable {
    public var name: String
    public var time: Date
    public var attributes: [String: SpanValue]

    public init(name: String, time: Date, attributes: [String: SpanValue] = [:]) {
        self.name = name
        self.time = time
        self.attributes = attributes
    }
}

/// A span as the store keeps it: where it was filed and in which order.
public struct StoredSpan: Codable, Sendable, Equatable {
    public var rollout: RolloutID
    public var attempt: AttemptID
    /// The span's place in its attempt, from 1, assigned by the store in arrival order.
    public var sequence: Int
    public var span: Span

    public init(rollout: RolloutID, attempt: AttemptID, sequence: Int, span: Span) {
        self.rollout = rollout
        self.attempt = attempt
        self.sequence = sequence
        self.span = span
    }
}

/// The store's answer to a batch of spans.
public struct SpanReceipt: Codable, Sendable, Equatable {
    public var answer: ReportAnswer
    /// The sequence number given to the batch's first span (the rest follow in order); `nil`
    /// when the batch was not recorded.
    public var firstSequence: Int?

    public init(answer: ReportAnswer, firstSequence: Int?) {
        self.answer = answer
        self.firstSequence = firstSequence
    }
}

/// Which spans to read.
public struct SpanQuery: Codable, Sendable, Equatable {
    public enum Attempts: Codable, Sendable, Equatable {
        /// The rollout's latest attempt.
        case latest
        /// Every attempt, oldest first.
        case all
        case only(AttemptID)
    }

    public var rollout: RolloutID
    public var attempts: Attempts
    /// Only spans with this name.
    public var name: String?
    public var page: PageRequest

    public init(rollout: RolloutID, attempts: Attempts = .latest, name: String? = nil, page: PageRequest = PageRequest()) {
        self.rollout = rollout
        self.attempts = attempts
        self.name = name
        self.page = page
    }
}
