// The endpoint benchmark: chat-completion calls per second through a pool's OpenAI-compatible HTTP endpoint
// against the same calls through the in-process model client, on one sandboxed pool engine with the `tiny`
// policy. 32 episodes run at once ("clients"); each makes CALLS calls of 16 new tokens on a short prompt.
// Prints one line `http_calls_s=… inproc_calls_s=…` per round.
//
// Usage: EndpointBenchmark [CALLS_PER_CLIENT]
import FulmenCore
import FulmenEndpoint
import FulmenModel
import FulmenRunner
import Foundation
import Logging

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

let clients = 32
let newTokens = 16
let callsPerClient = CommandLine.arguments.count > 1 ? Int(CommandLine.arguments[1]) ?? 20 : 20
let prompt = "Q:123+45"

/// One episode making its calls, in process or over HTTP.
struct CallingAgent: Agent {
    let task = "bench"
    let overHTTP: Bool
    let session: URLSession

    func rollout(_ input: Int, context: RolloutContext) async throws -> Double? {
        let body = Data(
            #"{"model": "policy", "messages": [{"role": "user", "content": "\#(prompt)"}], "max_tokens": \#(newTokens)}"#.utf8)
        let tokens = Tokenizer.encode(prompt + "\n")
        for _ in 0..<callsPerClient {
            if overHTTP {
                guard let endpoint = context.endpoint else { throw BenchmarkError("no endpoint") }
                var request = URLRequest(url: URL(string: endpoint.openAIBaseURL + "/chat/completions")!)
                request.httpMethod = "POST"
                request.httpBody = body
                request.setValue("Bearer \(endpoint.token)", forHTTPHeaderField: "Authorization")
                request.setValue("application/json", forHTTPHeaderField: "Content-Type")
                let (data, response) = try await session.data(for: request)
                guard (response as? HTTPURLResponse)?.statusCode == 200 else {
                    throw BenchmarkError("HTTP call failed: \(String(decoding: data, as: UTF8.self))")
                }
            } else {
                _ = try await context.llm.generate(prompt: tokens, maxTokens: newTokens)
            }
        }
        return nil
    }
}

struct BenchmarkError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Calls per second with `clients` episodes at once.
func measure(_ sandbox: EpisodeSandbox, overHTTP: Bool, session: URLSession) async throws -> Double {
    let started = ContinuousClock.now
    try await withThrowingTaskGroup(of: Void.self) { group in
        for client in 0..<clients {
            group.addTask {
                let outcome = try await sandbox.play(
                    CallingAgent(overHTTP: overHTTP, session: session), input: 0,
                    attempt: AttemptID("bench-\(client)/attempt-1"))
                if let error = outcome.error { throw BenchmarkError(error) }
            }
        }
        try await group.waitForAll()
    }
    let seconds = Double((ContinuousClock.now - started).components.attoseconds) / 1e18
        + Double((ContinuousClock.now - started).components.seconds)
    return Double(clients * callsPerClient) / seconds
}

let policy = try GPT(config: .tiny, seed: 3).checkpoint()
let sandbox = EpisodeSandbox(policy: policy, inference: InferenceSettings(threads: 1))
var logger = Logger(label: "bench.endpoint")
logger.logLevel = .error
let endpoint = PolicyEndpoint(attempts: sandbox.attempts, logger: logger)
let (listening, announce) = AsyncStream.makeStream(of: String.self)
let serving = Task {
    try await endpoint.run { url in
        announce.yield(url)
        announce.finish()
    }
}
for await _ in listening {}
let configuration = URLSessionConfiguration.ephemeral
configuration.httpMaximumConnectionsPerHost = clients * 2
let session = URLSession(configuration: configuration)

// Warm up both paths (model load, connections), then measure them alternately.
_ = try await measure(sandbox, overHTTP: false, session: session)
_ = try await measure(sandbox, overHTTP: true, session: session)
var inProcess: [Double] = []
var http: [Double] = []
for _ in 0..<2 {
    inProcess.append(try await measure(sandbox, overHTTP: false, session: session))
    http.append(try await measure(sandbox, overHTTP: true, session: session))
}
print("http_calls_s=\(String(format: "%.1f", http.max()!)) inproc_calls_s=\(String(format: "%.1f", inProcess.max()!))")
serving.cancel()
