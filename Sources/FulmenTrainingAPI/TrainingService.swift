public import Distributed
import Logging
public import ZMQActorSystem

/// The training API's distributed face: the calls of the HTTP routes, for a Swift program on another host that
/// drives an `external` phase with `face: actors`. It is hosted by a node of its own at the phase's `listen`
/// address, under the well-known name ``wellKnownName``:
///
/// ```swift
/// let training = try TrainingService.resolve(id: .wellKnown(TrainingService.wellKnownName, at: url), using: system)
/// let batch = try await training.sample(SampleRequest(problems: 8, groupSize: 4), token: token)
/// _ = try await training.forwardBackward(ForwardBackwardRequest(loss: "policy", samples: samples), token: token)
/// _ = try await training.optimStep(OptimStepRequest(learningRate: 1e-3), token: token)
/// ```
///
/// Every call carries the phase's bearer token. A refusal arrives as a `RemoteError` holding a
/// ``TrainingAPIRefusal`` (`error.decode(as: TrainingAPIRefusal.self)`).
public distributed actor TrainingService {
    public typealias ActorSystem = ZMQActorSystem

    /// The name the service is found by on its node.
    public static let wellKnownName = "fulmen.training"

    private let session: TrainingSession
    private let token: String
    private let activity: Activity
    private let finish: AsyncStream<Void>.Continuation

    init(
        actorSystem: ZMQActorSystem, session: TrainingSession, token: String, activity: Activity,
        finish: AsyncStream<Void>.Continuation
    ) {
        self.actorSystem = actorSystem
        self.session = session
        self.token = token
        self.activity = activity
        self.finish = finish
    }

    public distributed func state(token: String) async throws -> SessionState {
        try await answer(token) { await $0.state() }
    }

    /// Has the runners play rollouts with the current weights; see ``SampleRequest``.
    public distributed func sample(_ request: SampleRequest, token: String) async throws -> SampleResponse {
        try await answer(token) { try await $0.sample(request) }
    }

    /// Adds a batch's gradient; see ``ForwardBackwardRequest``.
    public distributed func forwardBackward(_ request: ForwardBackwardRequest, token: String) async throws -> ForwardBackwardResponse {
        try await answer(token) { try await $0.forwardBackward(request) }
    }

    /// Applies the gradient added since the last step: one step of the experiment, its weights then published.
    public distributed func optimStep(_ request: OptimStepRequest, token: String) async throws -> OptimStepResponse {
        try await answer(token) { try await $0.optimStep(request) }
    }

    /// Writes the weights (a safetensors checkpoint) and, beside them, the optimiser's state, on the trainer's host.
    public distributed func saveState(_ request: StateRequest, token: String) async throws {
        try await answer(token) { try await $0.saveState(request) }
    }

    /// Loads what ``saveState(_:token:)`` wrote and publishes the weights for the next samples.
    public distributed func loadState(_ request: StateRequest, token: String) async throws -> SessionState {
        try await answer(token) {
            try await $0.loadState(request)
            return await $0.state()
        }
    }

    /// Greedy validation success at the current step.
    public distributed func evaluate(token: String) async throws -> EvaluationResponse {
        try await answer(token) { try await $0.evaluate() }
    }

    /// Ends the phase; the experiment goes on with its next phase.
    public distributed func done(token: String) async throws -> SessionState {
        try await answer(token) {
            await $0.finish()
            finish.finish()
            return await $0.state()
        }
    }

    /// Checks the token and runs `body` on the session.
    private func answer<Value: Sendable>(
        _ given: String, _ body: (TrainingSession) async throws -> Value
    ) async throws -> Value {
        activity.touch()
        guard BearerToken.matches(given, token) else { throw TrainingAPIRefusal.unauthorized }
        return try await TrainingAPIRefusal.refusingTrainingErrors { try await body(session) }
    }
}

extension TrainingService {
    /// How long the node stays up after the program said it is done.
    static let lingerAfterDone = Duration.milliseconds(500)

    /// Hosts the service on a node of its own bound to `host:port` until the program calls ``done(token:)``;
    /// answers the optimiser steps it took.
    /// - Throws: ``TrainingAPIError/idle(_:)`` when no call came for `idleTimeout`.
    static func serve(
        session: TrainingSession, token: String, host: String, port: Int, idleTimeout: Duration, logger: Logger,
        onListening: @Sendable (String) async -> Void
    ) async throws -> Int {
        var settings = ZMQActorSystem.Settings(bindEndpoint: "tcp://\(host.contains(":") ? "[\(host)]" : host):\(port)")
        settings.logger = logger
        let system = try ZMQActorSystem(settings: settings)
        let activity = Activity()
        let (done, finish) = AsyncStream<Void>.makeStream()
        let service = system.makeWellKnown(wellKnownName) {
            TrainingService(actorSystem: $0, session: session, token: token, activity: activity, finish: finish)
        }
        await onListening(system.node.endpoint)
        let ended = await ExternalPhaseEnd.wait(done: done, activity: activity, idleTimeout: idleTimeout)
        // The node stays up a moment after `done`, so that its reply reaches the caller before the connection
        // closes: a caller that sees its connection close first takes the node for down and fails the call.
        if case .success = ended { try? await Task.sleep(for: Self.lingerAfterDone) }
        await system.shutdown()
        withExtendedLifetime(service) {}
        try ended.get()
        return await session.taken
    }
}
