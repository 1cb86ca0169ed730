public import ZMQActorSystem

/// Quiet settings for a node in a test process, with failure detection in about a second.
public func testSettings(_ configure: (inout ZMQActorSystem.Settings) -> Void = { _ in }) -> ZMQActorSystem.Settings {
    var settings = ZMQActorSystem.Settings(bindEndpoint: "tcp://127.0.0.1:0")
    settings.logger.logLevel = .critical
    settings.heartbeatInterval = .milliseconds(100)
    settings.heartbeatTimeout = .seconds(1)
    settings.shutdownGracePeriod = .seconds(1)
    configure(&settings)
    return settings
}
