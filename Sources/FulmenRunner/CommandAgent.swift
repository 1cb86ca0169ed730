import FulmenCore
public import Foundation
import Subprocess
import Synchronization

#if canImport(System)
    import System
#else
    import SystemPackage
#endif

/// An agent that is a program, in any language: each episode runs `command` as a process of its own.
///
/// The process gets the rollout's input (the task as JSON) on standard input, and in its environment:
/// - `OPENAI_BASE_URL` and `OPENAI_API_KEY`: the pool's OpenAI-compatible endpoint under this attempt's path,
///   and the attempt's token. An agent using an OpenAI client library needs no other change: every call it
///   makes is recorded under the attempt, with token ids and log-probabilities.
/// - `FULMEN_REWARD_URL`: where it may post rewards (`{"value": 1, "name": "reward", "final": true}`).
/// - `OTEL_EXPORTER_OTLP_ENDPOINT`, `OTEL_EXPORTER_OTLP_HEADERS` and `OTEL_EXPORTER_OTLP_PROTOCOL`: so an
///   OpenTelemetry SDK exports the agent's own spans (tool calls, …) under the attempt.
/// - `FULMEN_TASK`, `FULMEN_ROLLOUT_ID`, `FULMEN_ATTEMPT_ID` and `FULMEN_MODE` (`train`, `val` or `test`).
///
/// The process settles the attempt when it exits: status 0 succeeds, with the final reward taken from its
/// last line of standard output when that line is a JSON object with a number `"reward"` (e.g.
/// `{"reward": 1.0}`); any other status fails the attempt with the end of its standard error. A process
/// still running after `timeout`, or whose rollout is cancelled, is killed with its whole process group.
/// Its standard error is kept as an event of the episode's `fulmen.process` span.
///
/// The pool must serve its endpoint (`fulmen runner --endpoint …`): without one, attempts fail saying so.
public struct CommandAgent: Agent {
    /// A rollout's input: any JSON, passed on to the process as it came.
    public struct Input: Codable, Sendable {
        private let value: JSONValue

        /// - Throws: when `json` is not JSON.
        public init(json: Data) throws {
            value = try JSONDecoder().decode(JSONValue.self, from: json)
        }

        public init(from decoder: any Decoder) throws {
            value = try JSONValue(from: decoder)
        }

        public func encode(to encoder: any Encoder) throws {
            try value.encode(to: encoder)
        }

        /// The JSON text, keys sorted.
        public var json: Data {
            get throws { try value.canonicalJSON() }
        }
    }

    public let task: String
    /// The program and its arguments; a program without a `/` is looked up on `PATH`.
    public let command: [String]
    /// How long one episode's process may run.
    public var timeout: Duration
    /// The process's working directory; by default the pool's.
    public var workingDirectory: String?

    /// The most of standard error kept, and of standard output read for the reward line.
    static let outputTail = 64 * 1024

    /// - Throws: ``RunnerError`` when `command` is empty or `timeout` is not positive.
    public init(task: String, command: [String], timeout: Duration = .seconds(300), workingDirectory: String? = nil)
        throws(RunnerError)
    {
        guard let program = command.first, !program.isEmpty else {
            throw .invalidConfiguration("the agent command for task '\(task)' is empty")
        }
        guard timeout > .zero else {
            throw .invalidConfiguration("the agent timeout for task '\(task)' must be positive, not \(timeout)")
        }
        self.task = task
        self.command = command
        self.timeout = timeout
        self.workingDirectory = workingDirectory
    }

    public func rollout(_ input: Input, context: RolloutContext) async throws -> Double? {
        guard let endpoint = context.endpoint else { throw AgentProcessError.noEndpoint(task: task) }
        var span = OpenSpan(name: SpanConvention.agentProcess, in: context.root.current)
        span.attributes[SpanConvention.Attribute.command] = .strings(command)
        do {
            let run = try await runProcess(input: try input.json, environment: environment(context, endpoint))
            span.attributes[SpanConvention.Attribute.processID] = .int(Int(run.processID))
            span.attributes[SpanConvention.Attribute.termination] = .string(run.terminationDescription)
            if !run.standardError.isEmpty {
                span.events.append(
                    SpanEvent(
                        name: SpanConvention.standardErrorEvent, time: Date(),
                        attributes: [SpanConvention.Attribute.text: .string(run.standardError)]))
            }
            let reward = try run.settle()
            span.finish()
            return reward
        } catch {
            span.finish(error: error)
            throw error
        }
    }

    private func environment(_ context: RolloutContext, _ endpoint: AttemptEndpoint) -> [Environment.Key: String?] {
        [
            "OPENAI_BASE_URL": endpoint.openAIBaseURL,
            "OPENAI_API_KEY": endpoint.token,
            "FULMEN_REWARD_URL": endpoint.rewardURL,
            "OTEL_EXPORTER_OTLP_ENDPOINT": endpoint.attemptURL,
            "OTEL_EXPORTER_OTLP_HEADERS": "Authorization=Bearer%20\(endpoint.token)",
            "OTEL_EXPORTER_OTLP_PROTOCOL": "http/json",
            "FULMEN_TASK": task,
            "FULMEN_ROLLOUT_ID": context.rollout.id.rawValue,
            "FULMEN_ATTEMPT_ID": context.attempt.rawValue,
            "FULMEN_MODE": context.rollout.mode.rawValue,
        ]
    }

    /// Runs the command to its end, or kills its process group when the timeout passes or the episode is
    /// cancelled.
    private func runProcess(input: Data, environment: [Environment.Key: String?]) async throws -> ProcessRun {
        let standardInput = try standardInput(holding: input)
        var options = PlatformOptions()
        // A group of its own, so that killing it reaches whatever the agent started too.
        options.processGroupID = 0
        options.teardownSequence = [.send(signal: .kill, toProcessGroup: true, allowedDurationToNextStep: .zero)]
        let program = command[0]
        let executable: Executable = program.contains("/") ? .path(FilePath(program)) : .name(program)
        let configuration = Configuration(
            executable: executable, arguments: Arguments(Array(command.dropFirst())),
            environment: .inherit.updating(environment), workingDirectory: workingDirectory.map { FilePath($0) },
            platformOptions: options)
        let timeout = self.timeout
        let outcome = try await withThrowingTaskGroup(of: ProcessRun?.self) { group in
            group.addTask {
                do {
                    let result = try await Subprocess.run(
                        configuration, input: .fileDescriptor(standardInput, closeAfterSpawningProcess: true),
                        output: .sequence, error: .sequence
                    ) { execution in
                        async let output = Self.tail(of: execution.standardOutput)
                        async let error = Self.tail(of: execution.standardError)
                        return (try await output, try await error)
                    }
                    let (output, error) = result.closureResult
                    return ProcessRun(
                        processID: result.processIdentifier.value, termination: result.terminationStatus,
                        standardOutput: output, standardError: error)
                } catch let error as SubprocessError {
                    throw AgentProcessError.cannotStart(command: command, reason: "\(error)")
                }
            }
            group.addTask {
                try await Task.sleep(for: timeout)
                return nil
            }
            let first = try await group.next() ?? nil
            group.cancelAll()
            return first
        }
        guard let outcome else { throw AgentProcessError.timedOut(after: timeout) }
        return outcome
    }

    /// A file holding `input`, read from its start: the process's standard input. A file rather than a pipe,
    /// so a process that never reads its input cannot leave a write pending. Its name is removed at once.
    private func standardInput(holding input: Data) throws(AgentProcessError) -> FileDescriptor {
        var template = Array((NSTemporaryDirectory() + "/fulmen-agent-input-XXXXXX").utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else {
            throw .cannotStart(command: command, reason: "no file for its input (errno \(errno))")
        }
        template.withUnsafeBufferPointer { _ = unlink($0.baseAddress!) }
        let file = FileHandle(fileDescriptor: fd, closeOnDealloc: false)
        do {
            try file.write(contentsOf: input)
            try file.seek(toOffset: 0)
        } catch {
            close(fd)
            throw .cannotStart(command: command, reason: "cannot write its input: \(error)")
        }
        return FileDescriptor(rawValue: fd)
    }

    /// The last ``outputTail`` bytes of a stream, as text.
    private static func tail(of stream: SubprocessOutputSequence) async throws -> String {
        var kept: [UInt8] = []
        for try await buffer in stream {
            buffer.withUnsafeBytes { kept.append(contentsOf: $0) }
            if kept.count > 2 * outputTail { kept.removeFirst(kept.count - outputTail) }
        }
        if kept.count > outputTail { kept.removeFirst(kept.count - outputTail) }
        return String(decoding: kept, as: UTF8.self)
    }
}

/// How an agent process ran.
private struct ProcessRun {
    let processID: pid_t
    let termination: TerminationStatus
    let standardOutput: String
    let standardError: String

    /// How it ended, e.g. `exited 0` or `signal 9`.
    var terminationDescription: String {
        switch termination {
        case .exited(let code): "exited \(code)"
        case .signaled(let signal): "signal \(signal)"
        }
    }

    /// The final reward, or the error that fails the attempt.
    func settle() throws(AgentProcessError) -> Double? {
        switch termination {
        case .exited(0):
            return try rewardLine()
        case .exited(let code):
            throw .exited(status: Int(code), standardError: lastLines(of: standardError))
        case .signaled(let signal):
            throw .killed(signal: Int(signal), standardError: lastLines(of: standardError))
        }
    }

    /// The reward on the last line of standard output, if that line is a JSON object with a `"reward"`.
    private func rewardLine() throws(AgentProcessError) -> Double? {
        guard
            let line = standardOutput.split(whereSeparator: \.isNewline).last?
                .trimmingCharacters(in: .whitespaces),
            line.hasPrefix("{"), line.contains("\"reward\"")
        else { return nil }
        struct RewardLine: Decodable { let reward: Double }
        do {
            return try JSONDecoder().decode(RewardLine.self, from: Data(line.utf8)).reward
        } catch DecodingError.dataCorrupted {
            throw .badRewardLine(line, reason: "it is not valid JSON")
        } catch {
            throw .badRewardLine(line, reason: "its \"reward\" is not a number")
        }
    }

    private func lastLines(of text: String, count: Int = 8) -> String {
        text.split(whereSeparator: \.isNewline).suffix(count).joined(separator: "\n")
    }
}

/// Why an agent process did not settle its attempt. Its description names what was wrong; the attempt fails
/// with it.
public enum AgentProcessError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The pool serves no endpoint, so the process would have no model to call.
    case noEndpoint(task: String)
    /// The program could not be started.
    case cannotStart(command: [String], reason: String)
    /// It exited with a non-zero status.
    case exited(status: Int, standardError: String)
    /// A signal ended it.
    case killed(signal: Int, standardError: String)
    /// It ran longer than its timeout and was killed.
    case timedOut(after: Duration)
    /// Its last line of standard output looked like a reward line but was not one.
    case badRewardLine(String, reason: String)

    public var description: String {
        switch self {
        case .noEndpoint(let task):
            "the agent of task '\(task)' is a command, but this runner pool serves no OpenAI-compatible endpoint "
                + "for it to call (start the pool with an endpoint, e.g. `fulmen runner --endpoint 0.0.0.0:7400`)"
        case .cannotStart(let command, let reason):
            "cannot start the agent command \(command.joined(separator: " ")): \(reason)"
        case .exited(let status, let standardError):
            "the agent process exited with status \(status)" + Self.quoting(standardError)
        case .killed(let signal, let standardError):
            "the agent process was killed by signal \(signal)" + Self.quoting(standardError)
        case .timedOut(let timeout):
            "the agent process ran longer than its timeout (\(timeout)) and was killed with its process group"
        case .badRewardLine(let line, let reason):
            "the agent process's last line of output looks like a reward line but \(reason): \(line.prefix(200))"
        }
    }

    private static func quoting(_ standardError: String) -> String {
        standardError.isEmpty ? " (nothing on standard error)" : "; the end of its standard error:\n\(standardError)"
    }
}
