import Synchronization
import ZMQActorSystem
import ZMQTestSupport

/// A `ZMQTestNode` running as a separate OS process.
final class TestNodeProcess {
    let child: ChildProcess
    let endpoint: String
    let incarnation: UInt64
    let pid: Int32

    /// The actor every test node hosts.
    var service: ActorAddress { .wellKnown("service", at: endpoint) }

    /// Starts a node and waits until it serves.
    init(bind: String = "tcp://127.0.0.1:0", arguments: [String] = []) async throws {
        child = try await ChildProcess("ZMQTestNode", arguments: ["--bind", bind] + arguments)
        let fields = child.readyLine.split(whereSeparator: \.isWhitespace)
        guard fields.count == 4, fields[0] == "READY", let incarnation = UInt64(fields[2]), let pid = Int32(fields[3]) else {
            throw ChildProcessError.unexpectedOutput(child.readyLine)
        }
        endpoint = String(fields[1])
        self.incarnation = incarnation
        self.pid = pid
    }

    /// Kills the node at once, as a crash would.
    func kill() {
        child.kill()
    }
}

/// Collects values from callbacks running on other threads.
final class Recorder<Value: Sendable>: Sendable {
    private let values = Mutex<[Value]>([])
    func record(_ value: Value) { values.withLock { $0.append(value) } }
    var all: [Value] { values.withLock { $0 } }
}
