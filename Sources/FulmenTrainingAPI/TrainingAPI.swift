import FulmenCore
import FulmenTrainer
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization

/// The training API's HTTP face: JSON routes under `/v1` onto a ``TrainingSession``, each behind the bearer
/// token. Refusals answer `{"error": {"message": …, "field": …}}` with 400 (a bad field, named), 401 (no or
/// a wrong token), 409 (a request the phase's state does not allow) or 500.
struct TrainingAPI: Sendable {
    let session: TrainingSession
    let token: String
    let host: String
    let port: Int
    let logger: Logger

    /// The largest request body taken.
    static let maxBodyBytes = 64 << 20

    /// Serves until the program posts `/v1/done`; answers the optimiser steps it took.
    /// - Throws: ``TrainingAPIError/idle(_:)`` when no request came for `idleTimeout`.
    func serve(idleTimeout: Duration, onListening: @escaping @Sendable (String) async -> Void) async throws -> Int {
        let activity = Activity()
        let (done, finish) = AsyncStream<Void>.makeStream()
        let app = Application(
            router: router(activity: activity, finish: finish),
            configuration: .init(address: .hostname(host, port: port), serverName: "fulmen-training"),
            onServerRunning: { [host] channel in
                let port = channel.localAddress?.port ?? 0
                await onListening("http://\(host.contains(":") ? "[\(host)]" : host):\(port)")
            },
            logger: logger)
        let group = ServiceGroup(configuration: .init(services: [app], logger: logger))
        // The server's end, as an event the wait below can race (and stop waiting for when it returns first).
        let (stopped, stop) = AsyncStream<Result<Void, any Error>>.makeStream()
        let serving = Task {
            do {
                try await group.run()
                stop.yield(.failure(CancellationError()))
            } catch {
                stop.yield(.failure(error))
            }
            stop.finish()
        }
        let ended = await ExternalPhaseEnd.wait(done: done, activity: activity, idleTimeout: idleTimeout, serverStopped: stopped)
        // Requests being answered (the `done` that ended the wait, say) are answered before the server stops.
        await group.triggerGracefulShutdown()
        await serving.value
        try ended.get()
        return await session.taken
    }

    private func router(activity: Activity, finish: AsyncStream<Void>.Continuation) -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        let v1 = router.group("v1")
        v1.get("state") { request, context in
            try await self.answer(request, context, activity) { await self.session.state() }
        }
        v1.post("sample") { request, context in
            try await self.answer(request, context, activity) {
                try await self.session.sample(try await self.decode(SampleRequest.self, request, context))
            }
        }
        v1.post("forward_backward") { request, context in
            try await self.answer(request, context, activity) {
                try await self.session.forwardBackward(try await self.decode(ForwardBackwardRequest.self, request, context))
            }
        }
        v1.post("optim_step") { request, context in
            try await self.answer(request, context, activity) {
                try await self.session.optimStep(try await self.decode(OptimStepRequest.self, request, context))
            }
        }
        v1.post("save_state") { request, context in
            try await self.answer(request, context, activity) {
                let body = try await self.decode(StateRequest.self, request, context)
                try await self.session.saveState(body)
                return body
            }
        }
        v1.post("load_state") { request, context in
            try await self.answer(request, context, activity) {
                let body = try await self.decode(StateRequest.self, request, context)
                try await self.session.loadState(body)
                return await self.session.state()
            }
        }
        v1.post("evaluate") { request, context in
            try await self.answer(request, context, activity) { try await self.session.evaluate() }
        }
        v1.post("done") { request, context in
            try await self.answer(request, context, activity) {
                await self.session.finish()
                finish.finish()
                return await self.session.state()
            }
        }
        return router
    }

    /// Checks the token, runs `body` and answers its value as JSON; every failure becomes a refusal.
    private func answer(
        _ request: Request, _ context: BasicRequestContext, _ activity: Activity,
        _ body: () async throws -> some Encodable
    ) async throws -> Response {
        activity.touch()
        do {
            guard authorized(request) else { throw TrainingAPIRefusal.unauthorized }
            return try Self.json(.ok, try await TrainingAPIRefusal.refusingTrainingErrors(body))
        } catch let refusal as TrainingAPIRefusal {
            let status: HTTPResponse.Status = switch refusal.kind {
            case .invalid: .badRequest
            case .unauthorized: .unauthorized
            case .conflict: .conflict
            }
            return try Self.refusal(status, refusal.message, field: refusal.field)
        } catch {
            logger.error("training API request failed", metadata: ["path": "\(request.uri.path)", "error": "\(error)"])
            return try Self.refusal(.internalServerError, "\(error)", field: nil)
        }
    }

    /// Whether the request carries the token.
    private func authorized(_ request: Request) -> Bool {
        guard let header = request.headers[.authorization] else { return false }
        let parts = header.split(separator: " ", maxSplits: 1)
        return parts.count == 2 && parts[0].lowercased() == "bearer" && BearerToken.matches(parts[1], token)
    }

    private func decode<T: Decodable>(_ type: T.Type, _ request: Request, _ context: BasicRequestContext) async throws -> T {
        let body = try await request.body.collect(upTo: Self.maxBodyBytes)
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        do {
            return try decoder.decode(T.self, from: Data(buffer: body))
        } catch let error as DecodingError {
            let problem = DecodingProblem(error)
            throw TrainingAPIRefusal.invalid(Self.snakeCase(problem.field ?? "body"), problem.problem)
        }
    }

    /// `groupSize` as the request wrote it, `group_size`.
    static func snakeCase(_ path: String) -> String {
        path.reduce(into: "") { result, character in
            if character.isUppercase { result += "_" + character.lowercased() } else { result.append(character) }
        }
    }

    private static func json(_ status: HTTPResponse.Status, _ value: some Encodable) throws -> Response {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = .sortedKeys
        return Response(
            status: status, headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(bytes: try encoder.encode(value))))
    }

    private static func refusal(_ status: HTTPResponse.Status, _ message: String, field: String?) throws -> Response {
        try json(status, APIErrorBody(error: .init(message: message, field: field)))
    }
}
