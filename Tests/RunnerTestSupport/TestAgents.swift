// Agents the runner tests host, in the test process and in RunnerTestNode.
public import FulmenRunner
import Foundation
import Synchronization
import Tracing

/// Sleeps for the input's milliseconds (cancellably), then succeeds with reward 1.
public struct SleepAgent: Agent {
    public struct Input: Codable, Sendable {
        public var milliseconds: Int
        public init(milliseconds: Int) { self.milliseconds = milliseconds }
    }

    public let task = "sleep"
    public init() {}

    public func rollout(_ input: Input, context: RolloutContext) async throws -> Double? {
        try await Task.sleep(for: .milliseconds(input.milliseconds))
        return 1
    }
}

/// Fails with the input's message.
public struct FailingAgent: Agent {
    public struct Input: Codable, Sendable {
        public var message: String
        public init(message: String) { self.message = message }
    }

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    public let task = "fail"
    public init() {}

    public func rollout(_ input: Input, context: RolloutContext) async throws -> Double? {
        context.emitReward(0.5, name: "partial")
        throw Failure(description: "the agent gave up: \(input.message)")
    }
}

/// Asks the policy model to continue a prompt, inside a traced span and a tool call, as a sub-agent, and
/// emits an intermediate and a final reward.
public struct ModelAgent: Agent {
    public struct Input: Codable, Sendable {
        public var prompt: String
        public var maxTokens: Int
        public init(prompt: String, maxTokens: Int = 8) {
            self.prompt = prompt
            self.maxTokens = maxTokens
        }
    }

    public let task = "model"
    public init() {}

    public func rollout(_ input: Input, context: RolloutContext) async throws -> Double? {
        let first = try await withSpan("plan") { span in
            span.attributes["plan.prompt"] = input.prompt
            return try await context.llm.generate(input.prompt, maxTokens: input.maxTokens)
        }
        context.emitReward(0.25, name: "format")
        let second = try await context.tool("lookup", input: input.prompt) {
            try await context.subAgent("critic") {
                try await context.llm.generate(prompt: [1, 2, 3] + first.tokens.prefix(4), maxTokens: input.maxTokens)
            }
        }
        return second.tokens.isEmpty ? 0 : 1
    }
}

/// Holds its episode until the episode is cancelled, and notes that it was.
public struct HoldingAgent: Agent {
    public struct Input: Codable, Sendable {
        public var name: String
        public init(name: String) { self.name = name }
    }

    public let task = "hold"
    public let log: EpisodeLog
    public init(log: EpisodeLog) { self.log = log }

    public func rollout(_ input: Input, context: RolloutContext) async throws -> Double? {
        log.note("started \(input.name)")
        do {
            try await Task.sleep(for: .seconds(3600))
        } catch {
            log.note("cancelled \(input.name)")
            throw error
        }
        return 1
    }
}

/// Succeeds only when `count` of its episodes are inside it at the same time (within 20 seconds).
public struct BarrierAgent: Agent {
    public struct Input: Codable, Sendable {
        public init() {}
    }

    public let task = "barrier"
    public let count: Int
    private let inside = Counter()
    private let log: EpisodeLog

    public init(count: Int, log: EpisodeLog) {
        self.count = count
        self.log = log
    }

    public func rollout(_ input: Input, context: RolloutContext) async throws -> Double? {
        let arrived = inside.increment()
        log.note("arrived \(arrived)")
        let deadline = ContinuousClock.now + .seconds(20)
        while inside.value < count {
            if ContinuousClock.now > deadline { throw FailingAgent.Failure(description: "only \(arrived) arrived") }
            try await Task.sleep(for: .milliseconds(10))
        }
        return 1
    }
}

/// Notes from episodes, for tests to read.
public final class EpisodeLog: Sendable {
    private let notes = Mutex<[String]>([])
    public init() {}
    public func note(_ note: String) { notes.withLock { $0.append(note) } }
    public var entries: [String] { notes.withLock { $0 } }
}

/// A count shared by concurrent episodes.
final class Counter: Sendable {
    private let count = Mutex(0)
    func increment() -> Int {
        count.withLock { value in
            value += 1
            return value
        }
    }
    var value: Int { count.withLock { $0 } }
}
