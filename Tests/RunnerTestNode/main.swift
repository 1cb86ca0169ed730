// A runner process for the runner tests: a pool hosting the test agents `sleep` and `fail`, which the
// tests stop with SIGTERM. It prints `STARTED` before it registers, and `STOPPED <statistics>` when the
// pool has shut down.
//
//     RunnerTestNode --store tcp://127.0.0.1:PORT --worker ID [--concurrency K] [--grace SECONDS]
import FulmenCore
import FulmenRunner
import Glibc
import Logging
import ServiceLifecycle
import RunnerTestSupport
import ZMQActorSystem
import ZMQTestSupport

var storeEndpoint = ""
var configuration = RunnerPool.Configuration(concurrency: 2, heartbeatInterval: .milliseconds(200))
var arguments = CommandLine.arguments.dropFirst().makeIterator()
while let argument = arguments.next() {
    switch argument {
    case "--store": storeEndpoint = arguments.next()!
    case "--worker": configuration.worker = WorkerID(arguments.next()!)
    case "--concurrency": configuration.concurrency = Int(arguments.next()!)!
    case "--grace": configuration.shutdownGrace = .milliseconds(Int(Double(arguments.next()!)! * 1000))
    default:
        print("RunnerTestNode: unknown argument \(argument)")
        exit(2)
    }
}

let system = try ZMQActorSystem(settings: testSettings { $0.logger.logLevel = .warning })
let store = try $RunnerStore<ZMQActorSystem>.resolve(id: .wellKnown(StoreName.wellKnown, at: storeEndpoint), using: system)
var logger = Logger(label: "runner-test-node")
logger.logLevel = .warning
let pool = try RunnerPool(store: store, agents: [SleepAgent(), FailingAgent()], configuration: configuration, logger: logger)
print("STARTED")
fflush(nil)
// SIGTERM: stop claiming, finish or hand back running episodes.
try await ServiceGroup(services: [pool], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger).run()
let statistics = await pool.statistics()
print("STOPPED succeeded=\(statistics.succeeded) handedBack=\(statistics.handedBack)")
fflush(nil)
await system.shutdown()
