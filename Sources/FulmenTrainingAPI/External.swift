public import FulmenTrainer
import FulmenCore
import Foundation
import Logging

/// A phase whose algorithm runs outside the trainer, in any language: the trainer serves the training API
/// over HTTP (``TrainingAPI``), and a program of the user's drives the policy through it, in the manner of the
/// Tinker API: `sample` has the runners play rollouts with the current weights and answers their samples and
/// rewards, `forward_backward` adds a batch's gradient, `optim_step` applies it (one step of the experiment,
/// its weights then published), `save_state` and `load_state` keep the policy, `done` ends the phase.
///
/// ```yaml
/// external: { steps: 100, listen: "127.0.0.1:8600", tokenFile: /run/fulmen/api.token }
/// ```
///
/// With `face: actors` the same calls are served by a distributed actor instead (``TrainingService``), for a
/// Swift program on another host.
///
/// Every request needs the token held in `tokenFile` (HTTP: `Authorization: Bearer TOKEN`): read from it when
/// it exists, else drawn at random (256 bits, like a key) and written there, readable by its owner only.
public struct External: Algorithm {
    public static let name = "external"

    /// How the API is served.
    public enum Face: String, Codable, Sendable, CaseIterable {
        /// JSON over HTTP, for a program in any language (``TrainingAPI``).
        case http
        /// A distributed actor on a node of its own (``TrainingService``), for a Swift program.
        case actors
    }

    /// The most optimiser steps the program may take; the phase ends earlier when it says it is done.
    public var steps = 100
    /// How the API is served: `http` or `actors`.
    public var face = Face.http
    /// Where the API listens, `HOST:PORT`; loopback unless told otherwise (port 0: a free one). The URL it
    /// listens at is logged and written beside the token file as `api.url` once it listens.
    public var listen = "127.0.0.1:0"
    /// The bearer token's file; by default `api.token` in the experiment's checkpoint folder.
    public var tokenFile: String?
    /// Seconds the API waits for a request before the phase fails (the program is taken to be gone).
    public var idleTimeout = 600.0

    public init() {}

    public init(from decoder: any Decoder) throws {
        self.init()
        let section = try decoder.section(of: self, keyedBy: CodingKeys.self)
        try section.update(&steps, .steps)
        try section.update(&face, .face)
        try section.update(&listen, .listen)
        try section.update(&tokenFile, .tokenFile)
        try section.update(&idleTimeout, .idleTimeout)
    }

    public func validate(in spec: ExperimentSpec) throws(SpecError) {
        try SpecError.require(steps >= 1, "steps", "must be at least 1, got \(steps)")
        try SpecError.require(ListenAddress(listen) != nil, "listen", "must be HOST:PORT with a port from 0 to 65535, got '\(listen)'")
        try SpecError.require(tokenFile?.isEmpty != true, "tokenFile", "must name a file")
        try SpecError.require(idleTimeout > 0, "idleTimeout", "must be above 0 seconds, got \(idleTimeout)")
    }

    public func run(in context: ExperimentContext) async throws -> String? {
        guard let address = ListenAddress(listen) else { throw SpecError(field: "external.listen", problem: "not HOST:PORT: '\(listen)'") }
        let tokenPath = tokenFile ?? context.directory.appendingPathComponent("api.token").path
        let token = try BearerToken.readOrCreate(at: tokenPath)
        let session = TrainingSession(context: context, steps: await context.phase)
        let onListening: @Sendable (String) async -> Void = { url in
            // Written once the API listens, so a program that waits for it finds the API up.
            let urlFile = URL(fileURLWithPath: tokenPath).deletingLastPathComponent().appendingPathComponent("api.url")
            try? Data("\(url)\n".utf8).write(to: urlFile, options: .atomic)
            context.logger.notice(
                "training API listening",
                metadata: ["experiment": "\(context.experiment.id)", "url": "\(url)", "token file": "\(tokenPath)"])
        }
        let taken = switch face {
        case .http:
            try await TrainingAPI(session: session, token: token, host: address.host, port: address.port, logger: context.logger)
                .serve(idleTimeout: .seconds(idleTimeout), onListening: onListening)
        case .actors:
            try await TrainingService.serve(
                session: session, token: token, host: address.host, port: address.port, idleTimeout: .seconds(idleTimeout),
                logger: context.logger, onListening: onListening)
        }
        return "external algorithm took \(taken) of \(steps) steps"
    }
}
