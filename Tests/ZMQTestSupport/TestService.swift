public import Distributed
public import ZMQActorSystem

/// The distributed protocol the actor-system tests call across processes.
///
/// It has no generic function: with Swift 6.3.1, executing a generic requirement of a
/// `@Resolvable` protocol crashes in the runtime (see ARCHITECTURE.md). Generic distributed
/// functions of concrete actors work (`TestServiceActor.identity(_:)`).
///
/// Its requirements may stay plain (not `async throws`), but this module must not call it through
/// `$TestService` in optimised code: with Swift 6.3.1, a release build of the module declaring a
/// `@Resolvable` protocol that calls its stub crashes the compiler (ARCHITECTURE.md), so
/// `TestServiceActor.callBack(_:text:)` is `@_optimize(none)`.
@Resolvable
public protocol TestService: DistributedActor where ActorSystem: DistributedActorSystem<any Codable> {
    distributed func echo(_ text: String) -> String
    distributed func add(_ a: Int, _ b: Int) -> Int
    distributed func sum(_ values: [Float]) -> Float
    distributed func makeArray(count: Int) -> [Float]
    distributed func roundTrip(_ record: TestRecord) -> TestRecord
    distributed func fail(_ message: String) throws
    distributed func sleep(milliseconds: Int) async
    distributed func touch()
    /// Records `text`, so that a test can tell which calls the node executed.
    distributed func note(_ text: String)
    distributed func notes() -> [String]
    distributed func processID() -> Int32
    distributed func caller() -> NodeID?
    distributed func callBack(_ service: ActorAddress, text: String) async throws -> String
}

/// A value with the shapes real messages have: nesting, optionals, enums, collections.
public struct TestRecord: Codable, Sendable, Equatable {
    public enum Kind: Codable, Sendable, Equatable {
        case plain
        case tagged(String, weight: Double)
    }

    public var id: String
    public var count: Int
    public var kind: Kind
    public var note: String?
    public var scores: [String: Float]
    public var children: [TestRecord]

    public init(id: String, count: Int, kind: Kind, note: String?, scores: [String: Float], children: [TestRecord]) {
        self.id = id
        self.count = count
        self.kind = kind
        self.note = note
        self.scores = scores
        self.children = children
    }
}

/// The error `TestService.fail(_:)` throws; `Codable`, so it can be recovered on the caller's side.
public struct TestFailure: Error, Codable, Equatable, CustomStringConvertible {
    public let message: String
    public init(message: String) { self.message = message }
    public var description: String { "TestFailure: \(message)" }
}
