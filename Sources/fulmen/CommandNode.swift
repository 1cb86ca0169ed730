import Logging
import ZMQActorSystem

extension ZMQActorSystem {
    /// The node a long-running command runs on: listening on `bind`, known to other hosts as `advertise`.
    static func commandNode(bind: String, advertise: String?, logger: Logger) throws -> ZMQActorSystem {
        var settings = ZMQActorSystem.Settings(bindEndpoint: bind)
        settings.advertisedHost = advertise
        settings.logger = logger
        return try ZMQActorSystem(settings: settings)
    }
}
