// The endpoint benchmark: chat-completion calls per second through a pool's OpenAI-compatible HTTP endpoint
// against the same calls through the in-process model client, on one sandboxed pool engine with the `tiny`
// policy. 32 episodes run at once ("clients"); each makes CALLS calls of 16 new tokens on a short prompt.
// Over HTTP each client is a keep-alive HTTP/1.1 connection on a thread of its own (as an agent process
// would hold one), so what is measured is the endpoint, not a client library; the same calls through
// Foundation's URLSession are measured too, for comparison.
// Prints one line `http_calls_s=… urlsession_calls_s=… inproc_calls_s=…` per round.
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

/// How the episodes make their calls.
enum CallPath: Sendable {
    case inProcess
    /// A keep-alive connection per client, on a thread of its own.
    case http
    case urlSession(URLSession)
}

/// One episode making its calls.
struct CallingAgent: Agent {
    let task = "bench"
    let path: CallPath

    func rollout(_ input: Int, context: RolloutContext) async throws -> Double? {
        let body = Data(
            #"{"model": "policy", "messages": [{"role": "user", "content": "\#(prompt)"}], "max_tokens": \#(newTokens)}"#.utf8)
        let tokens = Tokenizer.encode(prompt + "\n")
        switch path {
        case .inProcess:
            for _ in 0..<callsPerClient { _ = try await context.llm.generate(prompt: tokens, maxTokens: newTokens) }
        case .http:
            guard let endpoint = context.endpoint, let url = URLComponents(string: endpoint.openAIBaseURL) else {
                throw BenchmarkError("no endpoint")
            }
            let (port, path, token) = (url.port ?? 80, url.percentEncodedPath + "/chat/completions", endpoint.token)
            // Blocking calls run on a thread of their own, off the cooperative pool.
            try await withCheckedThrowingContinuation { (done: CheckedContinuation<Void, any Error>) in
                Thread {
                    done.resume(
                        with: Result {
                            let connection = try HTTPConnection(port: port)
                            defer { connection.close() }
                            for _ in 0..<callsPerClient {
                                let (status, reply) = try connection.post(path, token: token, body: [UInt8](body))
                                guard status == 200 else {
                                    throw BenchmarkError("HTTP call failed (\(status)): \(String(decoding: reply, as: UTF8.self))")
                                }
                            }
                        })
                }.start()
            }
        case .urlSession(let session):
            guard let endpoint = context.endpoint else { throw BenchmarkError("no endpoint") }
            for _ in 0..<callsPerClient {
                var request = URLRequest(url: URL(string: endpoint.openAIBaseURL + "/chat/completions")!)
                request.httpMethod = "POST"
                request.httpBody = body
                request.setValue("Bearer \(endpoint.token)", forHTTPHeaderField: "Authorization")
                request.setValue("application/json", forHTTPHeaderField: "Content-Type")
                let (data, response) = try await session.data(for: request)
                guard (response as? HTTPURLResponse)?.statusCode == 200 else {
                    throw BenchmarkError("HTTP call failed: \(String(decoding: data, as: UTF8.self))")
                }
            }
        }
        return nil
    }
}

/// A keep-alive HTTP/1.1 connection to the loopback interface on one blocking socket.
final class HTTPConnection {
    private let fd: Int32
    private var buffer: [UInt8] = []

    init(port: Int) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard fd >= 0, connected == 0 else { throw BenchmarkError("cannot connect to port \(port): errno \(errno)") }
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
    }

    func close() { _ = Glibc.close(fd) }

    /// POSTs JSON `body` to `path` and reads the whole response: its status and body.
    func post(_ path: String, token: String, body: [UInt8]) throws -> (status: Int, body: [UInt8]) {
        let head =
            "POST \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer \(token)\r\n"
            + "Content-Type: application/json\r\nContent-Length: \(body.count)\r\n\r\n"
        let request = Array(head.utf8) + body
        var sent = 0
        while sent < request.count {
            let count = request.withUnsafeBytes { send(fd, $0.baseAddress! + sent, $0.count - sent, 0) }
            guard count > 0 else { throw BenchmarkError("send failed: errno \(errno)") }
            sent += count
        }
        let separator = Array("\r\n\r\n".utf8)
        var headerEnd: Int?
        while headerEnd == nil {
            headerEnd = buffer.indices.dropLast(3).first { buffer[$0..<($0 + 4)].elementsEqual(separator) }
            if headerEnd == nil { try fill() }
        }
        let headers = String(decoding: buffer[..<headerEnd!], as: UTF8.self).lowercased()
        let status = Int(headers.split(separator: " ").dropFirst().first ?? "") ?? 0
        guard let line = headers.split(separator: "\r\n").first(where: { $0.hasPrefix("content-length:") }),
            let length = Int(line.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces))
        else { throw BenchmarkError("a response without Content-Length") }
        let start = headerEnd! + 4
        while buffer.count < start + length { try fill() }
        let reply = Array(buffer[start..<(start + length)])
        buffer.removeFirst(start + length)
        return (status, reply)
    }

    private func fill() throws {
        var chunk = [UInt8](repeating: 0, count: 16384)
        let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress!, $0.count, 0) }
        guard count > 0 else { throw BenchmarkError("the connection closed: errno \(errno)") }
        buffer += chunk[..<count]
    }
}

struct BenchmarkError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Calls per second with `clients` episodes at once.
func measure(_ sandbox: EpisodeSandbox, _ path: CallPath) async throws -> Double {
    let started = ContinuousClock.now
    try await withThrowingTaskGroup(of: Void.self) { group in
        for client in 0..<clients {
            group.addTask {
                let outcome = try await sandbox.play(
                    CallingAgent(path: path), input: 0,
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

// Warm up every path (model load, connections), then measure them in turn.
let paths: [(name: String, path: CallPath)] = [
    ("inproc_calls_s", .inProcess), ("http_calls_s", .http), ("urlsession_calls_s", .urlSession(session)),
]
for (_, path) in paths { _ = try await measure(sandbox, path) }
var best: [String: Double] = [:]
for _ in 0..<2 {
    for (name, path) in paths { best[name] = max(best[name] ?? 0, try await measure(sandbox, path)) }
}
print(paths.map { "\($0.name)=\(String(format: "%.1f", best[$0.name]!))" }.joined(separator: " "))
serving.cancel()
