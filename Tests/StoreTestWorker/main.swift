// A runner stand-in for the store's integration tests: it links FulmenCore but not the store's
// implementation, registers as a worker, claims rollouts, starts them, prints
// `CLAIMED <attempt id>…` and then holds them without a heartbeat until killed. With `--announce`
// it prints `WAITING` once registered, before its long poll for work.
//
//     StoreTestWorker --store tcp://127.0.0.1:PORT --worker ID [--claim N] [--announce]
import FulmenCore
import Glibc
import ZMQActorSystem
import ZMQTestSupport

var storeEndpoint = ""
var worker = WorkerID("test-worker")
var count = 1
var announce = false
var arguments = CommandLine.arguments.dropFirst().makeIterator()
while let argument = arguments.next() {
    switch argument {
    case "--store": storeEndpoint = arguments.next()!
    case "--worker": worker = WorkerID(arguments.next()!)
    case "--claim": count = Int(arguments.next()!)!
    case "--announce": announce = true
    default:
        print("StoreTestWorker: unknown argument \(argument)")
        exit(2)
    }
}

let system = try ZMQActorSystem(settings: testSettings { $0.logger.logLevel = .warning })
let store = try $RunnerStore<ZMQActorSystem>.resolve(id: .wellKnown(StoreName.wellKnown, at: storeEndpoint), using: system)
_ = try await store.register(WorkerRegistration(id: worker, host: "test", concurrency: count))
if announce {
    print("WAITING")
    fflush(nil)
}
let claims = try await store.dequeue(DequeueRequest(worker: worker, limit: count, wait: .seconds(30)))
for claim in claims {
    _ = try await store.markRunning(claim.attempt)
}
print("CLAIMED " + claims.map(\.attempt.rawValue).joined(separator: " "))
fflush(nil)
while true {
    try await Task.sleep(for: .seconds(3600))
}
