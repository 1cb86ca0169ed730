import FulmenCore
import FulmenEndpoint
import FulmenModel
import FulmenRunner
import Foundation
import Logging

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// A sandbox on a real tiny policy, with a real HTTP endpoint serving its episodes on loopback.
struct EndpointFixture: Sendable {
    static let policy = try! GPT(config: .tiny, seed: 11).checkpoint()

    let sandbox: EpisodeSandbox
    let url: String

    /// Runs `body` with a fresh sandbox on `policy` (a weights resource; the tiny GPT unless given) and its endpoint
    /// serving; the endpoint stops afterwards.
    static func with<T>(
        policy: [UInt8] = policy, template: ChatTemplate = .plain, _ body: (EndpointFixture) async throws -> T
    ) async throws -> T {
        let sandbox = EpisodeSandbox(policy: policy)
        var logger = Logger(label: "test.endpoint")
        logger.logLevel = .critical
        let endpoint = PolicyEndpoint(
            attempts: sandbox.attempts, configuration: .init(template: template), logger: logger)
        let (listening, announce) = AsyncStream.makeStream(of: String.self)
        let serving = Task {
            try await endpoint.run { url in
                announce.yield(url)
                announce.finish()
            }
        }
        defer { serving.cancel() }
        var url: String?
        for await announced in listening { url = announced }
        guard let url else { throw FixtureError("the endpoint did not start: \(String(describing: await serving.result))") }
        return try await body(EndpointFixture(sandbox: sandbox, url: url))
    }

    /// Plays one episode whose agent is `body`.
    func play(
        attempt: AttemptID = "r-1/attempt-1", _ body: @escaping @Sendable (RolloutContext) async throws -> Double?
    ) async throws -> EpisodeSandbox.Outcome {
        try await sandbox.play(ClosureAgent(body: body), input: 0, attempt: attempt)
    }
}

struct FixtureError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// An agent whose episode is a closure, so each test writes its own.
struct ClosureAgent: Agent {
    let task = "probe"
    let body: @Sendable (RolloutContext) async throws -> Double?

    func rollout(_ input: Int, context: RolloutContext) async throws -> Double? {
        try await body(context)
    }
}

/// An HTTP answer: its status and body.
struct HTTPAnswer: Sendable {
    let status: Int
    let body: Data
    let contentType: String?

    /// The body as a JSON object.
    var json: [String: Any] {
        (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] ?? [:]
    }

    /// OpenAI's `error.code` and `error.type` of a refusal.
    var errorCode: String? { (json["error"] as? [String: Any])?["code"] as? String }
    var errorType: String? { (json["error"] as? [String: Any])?["type"] as? String }
    var errorMessage: String { (json["error"] as? [String: Any])?["message"] as? String ?? "" }

    var text: String { String(decoding: body, as: UTF8.self) }
}

/// Sends a request with `Authorization: Bearer token` (when given).
func send(
    _ url: String, method: String = "POST", token: String?, body: String? = nil, headers: [String: String] = [:]
) async throws -> HTTPAnswer {
    var request = URLRequest(url: URL(string: url)!)
    request.httpMethod = method
    if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
    if let body {
        request.httpBody = Data(body.utf8)
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
    }
    for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
    let (data, response) = try await URLSession.shared.data(for: request)
    let http = response as! HTTPURLResponse
    return HTTPAnswer(status: http.statusCode, body: data, contentType: http.value(forHTTPHeaderField: "Content-Type"))
}

extension AttemptEndpoint {
    /// Posts a chat completion request under this attempt.
    func chat(_ body: String, token: String? = nil, headers: [String: String] = [:]) async throws -> HTTPAnswer {
        try await send(openAIBaseURL + "/chat/completions", token: token ?? self.token, body: body, headers: headers)
    }

    func complete(_ body: String, token: String? = nil) async throws -> HTTPAnswer {
        try await send(openAIBaseURL + "/completions", token: token ?? self.token, body: body)
    }
}

extension [Span] {
    /// The spans named `name`.
    func named(_ name: String) -> [Span] { filter { $0.name == name } }

    /// The token ids of a recorded attribute.
    static func ints(_ value: SpanValue?) -> [Int] {
        if case .ints(let values) = value { return values }
        return []
    }
}

extension Array where Element == Any {
    /// JSON numbers as `Int`s.
    var ints: [Int] { compactMap { ($0 as? NSNumber)?.intValue } }
}
