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
}
