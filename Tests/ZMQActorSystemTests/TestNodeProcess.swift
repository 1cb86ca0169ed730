import Foundation
import Glibc
import ZMQActorSystem

/// A `ZMQTestNode` running as a separate OS process.
final class TestNodeProcess {
    let process = Process()
    let endpoint: String
    let incarnation: UInt64
    let pid: Int32

    /// The actor every test node hosts.
    var service: ActorAddress { .wellKnown("service", at: endpoint) }

    /// Starts a node and waits until it serves.
    init(bind: String = "tcp://127.0.0.1:0", arguments: [String] = []) throws {
        let binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
            .appendingPathComponent("ZMQTestNode")
        process.executableURL = binary
        process.arguments = ["--bind", bind] + arguments
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        var line = Data()
        let handle = output.fileHandleForReading
        while !line.contains(UInt8(ascii: "\n")) {
            let chunk = handle.availableData
            guard !chunk.isEmpty else { throw TestNodeError.exitedBeforeReady }
            line.append(chunk)
        }
        let fields = String(decoding: line, as: UTF8.self).split(whereSeparator: \.isWhitespace)
        guard fields.count == 4, fields[0] == "READY", let incarnation = UInt64(fields[2]), let pid = Int32(fields[3]) else {
            throw TestNodeError.unexpectedOutput(String(decoding: line, as: UTF8.self))
        }
        endpoint = String(fields[1])
        self.incarnation = incarnation
        self.pid = pid
    }

    /// Kills the node at once, as a crash would.
    func kill() {
        Glibc.kill(pid, SIGKILL)
        process.waitUntilExit()
    }

    deinit {
        if process.isRunning { kill() }
    }

    enum TestNodeError: Error {
        case exitedBeforeReady
        case unexpectedOutput(String)
    }
}

/// A free TCP port on the loopback interface (for nodes that must restart on the same address).
func freeLoopbackPort() -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    withUnsafeMutablePointer(to: &address) { pointer in
        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { raw in
            _ = bind(fd, raw, length)
            _ = getsockname(fd, raw, &length)
        }
    }
    return Int(UInt16(bigEndian: address.sin_port))
}

/// Quiet settings for a node in the test process.
func testSettings(_ configure: (inout ZMQActorSystem.Settings) -> Void = { _ in }) -> ZMQActorSystem.Settings {
    var settings = ZMQActorSystem.Settings(bindEndpoint: "tcp://127.0.0.1:0")
    settings.logger.logLevel = .critical
    settings.heartbeatInterval = .milliseconds(100)
    settings.heartbeatTimeout = .seconds(1)
    settings.shutdownGracePeriod = .seconds(1)
    configure(&settings)
    return settings
}

/// Collects values from callbacks running on other threads.
final class Recorder<Value: Sendable>: Sendable {
    private let values = Mutex<[Value]>([])
    func record(_ value: Value) { values.withLock { $0.append(value) } }
    var all: [Value] { values.withLock { $0 } }
}

import Synchronization
