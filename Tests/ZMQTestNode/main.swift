// A node for the actor-system integration tests: hosts a `TestServiceActor` named "service"
// and prints `READY <endpoint> <incarnation> <pid>` once it serves. Runs until killed.
//
//     ZMQTestNode [--bind tcp://127.0.0.1:0] [--max-message-size BYTES]
//                 [--key SECRET-KEY-FILE --allow ALLOW-LIST-FILE]   (CURVE security)
import Glibc
import Logging
import ZMQActorSystem
import ZMQTestSupport

var settings = ZMQActorSystem.Settings(bindEndpoint: "tcp://127.0.0.1:0")
var logger = Logger(label: "test-node")
logger.logLevel = .warning
settings.logger = logger
var keyFile: String?
var allowFile: String?
var arguments = CommandLine.arguments.dropFirst().makeIterator()
while let argument = arguments.next() {
    switch argument {
    case "--bind": settings.bindEndpoint = arguments.next()!
    case "--max-message-size": settings.maximumMessageSize = Int(arguments.next()!)!
    case "--key": keyFile = arguments.next()!
    case "--allow": allowFile = arguments.next()!
    default:
        print("ZMQTestNode: unknown argument \(argument)")
        exit(2)
    }
}

if let keyFile, let allowFile {
    settings.security = .init(keyPair: try CurveKeyPair(secretKeyFile: keyFile), allowList: try AllowList(file: allowFile))
}
let system = try ZMQActorSystem(settings: settings)
let service = system.makeWellKnown("service") { TestServiceActor(actorSystem: $0) }
print("READY \(system.node.endpoint) \(system.node.incarnation) \(getpid())")
fflush(nil)
while true {
    try await Task.sleep(for: .seconds(3600))
    _ = service
}
