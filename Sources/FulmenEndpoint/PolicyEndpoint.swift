public import FulmenRunner
import FulmenCore
import FulmenModel
import Foundation
import HTTPTypes
import Hummingbird
public import Logging
import NIOCore
import ServiceLifecycle
import Tokenizers

/// A runner pool's policy model as an OpenAI-compatible HTTP API, so an agent written in any language, with
/// any OpenAI client library, can be run and trained by Fulmen.
///
/// Every route lives under an attempt's path, `/rollouts/{rollout}/attempts/{attempt}`, and needs that
/// attempt's token (`Authorization: Bearer TOKEN`), so every call is recorded under the attempt that made
/// it, exactly as an in-process agent's are (prompt and reply token ids, log-probabilities, weights version):
/// - `POST …/v1/chat/completions` and `POST …/v1/completions` (also with `stream: true`), and
///   `GET …/v1/models`. Replies carry Fulmen's extra fields `prompt_token_ids`, and per choice `token_ids`
///   and `token_logprobs`. Chat messages become tokens through the endpoint's ``ChatTemplate``.
/// - `POST …/reward` with `{"value": 1.0, "name": "reward", "final": true}` records a reward.
/// - `POST …/v1/traces` takes an OTLP/HTTP JSON export of the agent's own spans. A model call carrying a W3C
///   `traceparent` header becomes a child of the agent's span it names.
///
/// Refused requests get the status and `{"error": {…}}` body OpenAI's API would give, and record nothing.
public struct PolicyEndpoint: Sendable {
    /// Where and how the endpoint serves.
    public struct Configuration: Sendable {
        /// The address to listen on.
        public var host: String
        /// The port to listen on; 0 picks a free one.
        public var port: Int
        /// The host name agents use to reach the endpoint, when it listens on all interfaces.
        public var advertisedHost: String?
        public var template: ChatTemplate
        /// The one model the endpoint serves, as requests name it.
        public var modelName: String

        public init(
            host: String = "127.0.0.1", port: Int = 0, advertisedHost: String? = nil, template: ChatTemplate = .auto,
            modelName: String = "policy"
        ) {
            self.host = host
            self.port = port
            self.advertisedHost = advertisedHost
            self.template = template
            self.modelName = modelName
        }
    }

    /// The largest request body taken.
    static let maxBodyBytes = 8 << 20

    public let configuration: Configuration
    private let attempts: AttemptDirectory
    private let logger: Logger

    /// - Parameter attempts: the pool's attempts (``RunnerPool/attempts``).
    public init(attempts: AttemptDirectory, configuration: Configuration = Configuration(), logger: Logger) {
        self.attempts = attempts
        self.configuration = configuration
        self.logger = logger
    }

    /// Serves until the calling task is cancelled. Once listening, it tells the pool where it is reachable
    /// (so episodes hand that to their agents), then calls `onListening` with the URL.
    public func run(onListening: @escaping @Sendable (String) async -> Void = { _ in }) async throws {
        let app = Application(
            router: router(),
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "fulmen"),
            onServerRunning: { [attempts, configuration] channel in
                let port = channel.localAddress?.port ?? configuration.port
                let host =
                    configuration.advertisedHost
                    ?? (configuration.host == "0.0.0.0" ? ProcessInfo.processInfo.hostName : configuration.host)
                let url = "http://\(host.contains(":") ? "[\(host)]" : host):\(port)"
                attempts.baseURL = url
                await onListening(url)
            },
            logger: logger)
        // Cancellation stops the server gracefully (requests being answered are answered), so the server runs
        // in a task of its own that cancellation does not reach, and is asked to shut down instead.
        let group = ServiceGroup(configuration: .init(services: [app], logger: logger))
        // Episodes started after the endpoint stops are not sent to it.
        defer { attempts.baseURL = nil }
        let serving = Task { try await group.run() }
        try await withTaskCancellationHandler {
            try await serving.value
        } onCancel: {
            Task { await group.triggerGracefulShutdown() }
        }
    }

    private func router() -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        let attempt = router.group("rollouts/:rollout/attempts/:attempt")
        attempt.post("v1/chat/completions") { request, context in
            try await self.answer(request, context) { context in try await self.chat(request, context) }
        }
        attempt.post("v1/completions") { request, context in
            try await self.answer(request, context) { context in try await self.complete(request, context) }
        }
        attempt.get("v1/models") { request, context in
            try await self.answer(request, context) { _ in
                try JSONResponse.make(ModelList(data: [.init(id: self.configuration.modelName)]))
            }
        }
        attempt.post("reward") { request, context in
            try await self.answer(request, context) { context in try await self.reward(request, context) }
        }
        attempt.post("v1/traces") { request, context in
            try await self.answer(request, context) { context in try await self.traces(request, context) }
        }
        return router
    }

    // MARK: Routes

    /// Finds the request's attempt and checks its token, then runs `body` for it; every failure becomes an
    /// OpenAI-style error.
    private func answer(
        _ request: Request, _ http: BasicRequestContext, _ body: (RolloutContext) async throws -> Response
    ) async throws -> Response {
        do {
            return try await body(try attempt(of: request, http))
        } catch let error as OpenAIError {
            return try error.response(from: request, context: http)
        } catch let error as EpisodeError {
            return try Self.refusal(for: error).response(from: request, context: http)
        } catch is CancellationError {
            return try OpenAIError(
                .conflict, "the attempt ended while the call ran", type: "invalid_request_error", code: "attempt_finished"
            ).response(from: request, context: http)
        } catch {
            logger.error("endpoint request failed", metadata: ["path": "\(request.uri.path)", "error": "\(error)"])
            return try OpenAIError(.internalServerError, "\(error)", type: "server_error")
                .response(from: request, context: http)
        }
    }

    private func attempt(of request: Request, _ http: BasicRequestContext) throws(OpenAIError) -> RolloutContext {
        // Ids may hold `/`, which the path carries percent-encoded.
        let rollout = http.parameters.get("rollout")?.removingPercentEncoding ?? ""
        let attempt = http.parameters.get("attempt")?.removingPercentEncoding ?? ""
        let token = request.headers[.authorization].flatMap { header -> String? in
            let parts = header.split(separator: " ", maxSplits: 1)
            return parts.count == 2 && parts[0].lowercased() == "bearer" ? String(parts[1]) : nil
        }
        switch attempts.find(rollout: RolloutID(rollout), attempt: AttemptID(attempt), token: token) {
        case .success(let context):
            return context
        case .failure(.unknownAttempt):
            throw OpenAIError(
                .notFound, "no attempt '\(attempt)' of rollout '\(rollout)' runs on this runner pool",
                type: "invalid_request_error", code: "attempt_not_found")
        case .failure(.wrongToken):
            throw OpenAIError(
                .unauthorized,
                token == nil
                    ? "no API key: send the attempt's token (OPENAI_API_KEY) as 'Authorization: Bearer TOKEN'"
                    : "the API key is not this attempt's token", type: "invalid_request_error", code: "invalid_api_key")
        case .failure(.finished):
            throw OpenAIError(
                .conflict, "attempt '\(attempt)' has ended, so its token has expired and nothing more is recorded under it",
                type: "invalid_request_error", code: "attempt_finished")
        }
    }

    private func chat(_ request: Request, _ context: RolloutContext) async throws -> Response {
        let body = try await decode(ChatCompletionRequest.self, from: request)
        try checkModel(body.fields.model)
        if let top = body.topLogprobs, top > 0 {
            throw OpenAIError.invalidRequest(
                "top_logprobs is not supported: replies carry the log-probability of each chosen token",
                param: "top_logprobs")
        }
        if body.messages.isEmpty { throw OpenAIError.invalidRequest("messages is empty", param: "messages") }
        let messages = try body.messages.enumerated().map { i, message throws(OpenAIError) in
            guard let role = ChatTemplate.Role(rawValue: message.role) else {
                throw OpenAIError.invalidRequest(
                    "messages[\(i)].role '\(message.role)' is not one of "
                        + ChatTemplate.Role.allCases.map(\.rawValue).joined(separator: ", "),
                    param: "messages[\(i)].role")
            }
            return (role: role, text: message.content?.text ?? "")
        }
        let text = try await context.llm.modelText()
        let prompt = try configuration.template.render(
            messages, tokenizer: text.tokenizer, modelTemplate: text.chatTemplate)
        let maxTokens = body.maxCompletionTokens ?? body.maxTokens
        let call = try ModelCall.validated(
            prompt: prompt.tokens, maxTokens: maxTokens,
            maxTokensField: body.maxCompletionTokens != nil ? "max_completion_tokens" : "max_tokens",
            templateStops: prompt.replyStops, fields: body.fields)
        return try await reply(
            to: call, shaped: .chat(logprobs: body.logprobs == true), fields: body.fields, tokenizer: text.tokenizer,
            request, context)
    }

    private func complete(_ request: Request, _ context: RolloutContext) async throws -> Response {
        let body = try await decode(CompletionRequest.self, from: request)
        try checkModel(body.fields.model)
        let tokenizer = try await context.llm.tokenizer()
        let prompt: [Int32]
        switch body.prompt {
        case .text(let text):
            prompt = tokenizer.encode(text, parsingSpecialTokens: false)
        case .tokens(let ids):
            if let bad = ids.first(where: { !(0..<tokenizer.vocabularySize).contains($0) }) {
                throw OpenAIError.invalidRequest(
                    "prompt holds token id \(bad); ids are 0 to \(tokenizer.vocabularySize - 1)", param: "prompt")
            }
            prompt = ids.map(Int32.init)
        case .batch(let count):
            throw OpenAIError.invalidRequest(
                "prompt is a batch of \(count) prompts: an attempt makes one call at a time", param: "prompt")
        }
        if let logprobs = body.logprobs, logprobs > 0 {
            throw OpenAIError.invalidRequest(
                "logprobs above 0 is not supported: replies carry the log-probability of each chosen token "
                    + "(logprobs: 0)", param: "logprobs")
        }
        // 16 is OpenAI's default for completions.
        let call = try ModelCall.validated(
            prompt: prompt, maxTokens: body.maxTokens ?? 16, maxTokensField: "max_tokens", templateStops: [],
            fields: body.fields)
        let shape = ReplyShape.completion(logprobs: body.logprobs != nil, echo: body.echo == true ? (try? tokenizer.decode(prompt)) ?? "" : nil)
        return try await reply(to: call, shaped: shape, fields: body.fields, tokenizer: tokenizer, request, context)
    }

    /// Runs `call` as the attempt's (inside the agent's span its `traceparent` names) and answers with the
    /// whole reply, or with its events when the request streams; `tokenizer` is the model's, decoding the reply.
    private func reply(
        to call: ModelCall, shaped shape: ReplyShape, fields: CallFields, tokenizer: any TextTokenizer,
        _ request: Request, _ context: RolloutContext
    ) async throws -> Response {
        let reply = try await context.within(foreignSpan: Self.traceParent(request)) {
            try await call.run(on: context.llm, tokenizer: tokenizer)
        }
        let header = ReplyHeader(kind: shape.idKind, model: configuration.modelName)
        if fields.stream == true {
            let stream = ReplyStream(
                header: header, shape: shape, call: call, reply: reply, tokenizer: tokenizer,
                includeUsage: fields.streamOptions?.includeUsage == true)
            let events = try stream.events().map { ByteBuffer(bytes: $0) }
            return Response(
                status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-cache"],
                body: ResponseBody(contentsOf: events))
        }
        return try reply.whole(shape, call: call, header: header, tokenizer: tokenizer)
    }

    private func reward(_ request: Request, _ context: RolloutContext) async throws -> Response {
        let body = try await decode(RewardRequest.self, from: request)
        guard body.value.isFinite else { throw OpenAIError.invalidRequest("value must be a finite number", param: "value") }
        context.emitReward(body.value, name: body.name ?? "reward", final: body.final ?? true)
        return try JSONResponse.make([String: String]())
    }

    private func traces(_ request: Request, _ context: RolloutContext) async throws -> Response {
        let export = try await decode(OTLPTraceExport.self, from: request)
        context.recordForeign(try export.spans)
        return try JSONResponse.make([String: String]())
    }

    // MARK: Helpers

    private func decode<T: Decodable>(_ type: T.Type, from request: Request) async throws -> T {
        var request = request
        let buffer: ByteBuffer
        do {
            buffer = try await request.collectBody(upTo: Self.maxBodyBytes)
        } catch {
            throw OpenAIError(
                .contentTooLarge, "the request body is larger than \(Self.maxBodyBytes) bytes", type: "invalid_request_error")
        }
        do {
            return try JSONDecoder().decode(T.self, from: Data(buffer.readableBytesView))
        } catch DecodingError.dataCorrupted(let context) where context.codingPath.isEmpty {
            throw OpenAIError.invalidRequest("the request body is not valid JSON: \(context.debugDescription)")
        } catch let error as DecodingError {
            let problem = DecodingProblem(error)
            throw OpenAIError.invalidRequest("invalid request body: \(problem)", param: problem.field)
        }
    }

    private func checkModel(_ model: String) throws(OpenAIError) {
        guard model == configuration.modelName else {
            throw OpenAIError(
                .notFound, "the model '\(model)' does not exist here: this endpoint serves '\(configuration.modelName)'",
                type: "invalid_request_error", param: "model", code: "model_not_found")
        }
    }

    /// The agent's span named by a W3C `traceparent` header (`00-TRACE-SPAN-FLAGS`), if any.
    private static func traceParent(_ request: Request) -> String? {
        guard let header = request.headers[HTTPField.Name("traceparent")!] else { return nil }
        let parts = header.split(separator: "-")
        guard parts.count == 4, parts[2].count == 16 else { return nil }
        return String(parts[2])
    }

    private static func refusal(for error: EpisodeError) -> OpenAIError {
        switch error {
        case .promptTooLong:
            .invalidRequest("\(error)", param: "messages", code: "context_length_exceeded")
        case .model:
            .invalidRequest("\(error)")
        case .missingResource, .invalidResource, .unknownTask, .undecodableInput:
            OpenAIError(.serviceUnavailable, "\(error)", type: "server_error")
        }
    }
}
