import Logging
import ZMQActorSystem

extension ZMQActorSystem {
    /// The node a long-running command runs on: listening on `bind`, known to other hosts as
    /// `advertise`, with CurveZMQ `security` or in plain text.
    static func commandNode(bind: String, advertise: String?, logger: Logger, security: Security? = nil) throws -> ZMQActorSystem {
        var settings = ZMQActorSystem.Settings(bindEndpoint: bind)
        settings.advertisedHost = advertise
        settings.logger = logger
        settings.security = security
        return try ZMQActorSystem(settings: settings)
    }

    /// Runs a command's `setup` on this node; if it throws, shuts the node down before passing the error on,
    /// so a command that fails to start leaves no connection behind.
    func settingUp<Result>(_ setup: () async throws -> Result) async throws -> Result {
        do {
            return try await setup()
        } catch {
            await shutdown()
            throw error
        }
    }
}
