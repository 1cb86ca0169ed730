public import Distributed
import Glibc
public import ZMQActorSystem

/// The implementation of `TestService`, hosted by test processes.
public distributed actor TestServiceActor: TestService {
    public typealias ActorSystem = ZMQActorSystem

    public init(actorSystem: ZMQActorSystem) {
        self.actorSystem = actorSystem
    }

    public distributed func echo(_ text: String) -> String { text }

    public distributed func add(_ a: Int, _ b: Int) -> Int { a + b }

    public distributed func sum(_ values: [Float]) -> Float { values.reduce(0, +) }

    public distributed func makeArray(count: Int) -> [Float] { (0..<count).map(Float.init) }

    public distributed func roundTrip(_ record: TestRecord) -> TestRecord { record }

    /// Calls back an actor passed by reference (decoding it needs the actor system).
    public distributed func callBack(actor: TestServiceActor, text: String) async throws -> String {
        try await actor.echo("called back: \(text)")
    }

    /// A generic distributed function, called through a proxy of this concrete type.
    public distributed func identity<Value: Codable & Sendable>(_ value: Value) -> Value { value }

    public distributed func fail(_ message: String) throws {
        throw TestFailure(message: message)
    }

    public distributed func sleep(milliseconds: Int) async {
        try? await Task.sleep(for: .milliseconds(milliseconds))
    }

    public distributed func touch() {}

    private var recorded: [String] = []

    public distributed func note(_ text: String) { recorded.append(text) }

    public distributed func notes() -> [String] { recorded }

    public distributed func processID() -> Int32 { getpid() }

    public distributed func caller() -> NodeID? { ZMQActorSystem.currentCaller }

    /// Calls back `service` through the `@Resolvable` stub. Compiled unoptimised: with Swift 6.3.1 a
    /// release build of the module that declares a `@Resolvable` protocol and calls its stub crashes
    /// the compiler (see `TestService`).
    @_optimize(none)
    public distributed func callBack(_ service: ActorAddress, text: String) async throws -> String {
        let peer = try $TestService<ZMQActorSystem>.resolve(id: service, using: actorSystem)
        return try await peer.echo("called back: \(text)")
    }
}
