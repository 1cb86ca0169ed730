public import Foundation
import Glibc

/// A helper executable of the test suite, built beside the test binary and run as a separate
/// OS process. It is ready once it printed its first line, which `readyLine` holds.
///
/// Waiting for that line blocks a thread, so it happens on a dispatch queue: a test waiting on a
/// child that calls back into the test process must not take a thread of the cooperative pool
/// the test process needs to answer.
public final class ChildProcess {
    public let process = Process()
    public let readyLine: String
    public var pid: Int32 { process.processIdentifier }
    private let output: FileHandle

    /// Starts `executable` with `arguments` and waits for its first line of output.
    public init(_ executable: String, arguments: [String]) async throws {
        process.executableURL = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
            .appendingPathComponent(executable)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = pipe.fileHandleForReading
        readyLine = try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                var line = Data()
                while !line.contains(UInt8(ascii: "\n")) {
                    let chunk = output.availableData
                    guard !chunk.isEmpty else { return continuation.resume(throwing: ChildProcessError.exitedBeforeReady(executable)) }
                    line.append(chunk)
                }
                continuation.resume(returning: String(decoding: line.prefix { $0 != UInt8(ascii: "\n") }, as: UTF8.self))
            }
        }
        self.output = output
    }

    /// Waits for the process to exit and answers its exit status and the output it printed after its first line.
    public func waitForExit() async -> (status: Int32, output: String) {
        let (process, output) = (self.process, self.output)
        return await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                let rest = output.readDataToEndOfFile()
                process.waitUntilExit()
                continuation.resume(returning: (process.terminationStatus, String(decoding: rest, as: UTF8.self)))
            }
        }
    }

    /// Sends the process a signal, e.g. SIGTERM to ask it to stop.
    public func signal(_ number: Int32) {
        Glibc.kill(pid, number)
    }

    /// Kills the process at once, as a crash would.
    public func kill() {
        Glibc.kill(pid, SIGKILL)
        process.waitUntilExit()
    }

    deinit {
        if process.isRunning { kill() }
    }
}

public enum ChildProcessError: Error, CustomStringConvertible {
    case exitedBeforeReady(String)
    case unexpectedOutput(String)

    public var description: String {
        switch self {
        case .exitedBeforeReady(let executable): "\(executable) exited before it was ready"
        case .unexpectedOutput(let line): "unexpected first line: \(line)"
        }
    }
}

/// Runs a helper executable of the test suite (e.g. `fulmen`) to its end; answers its exit status
/// and what it wrote to standard output and standard error.
public func runToEnd(_ executable: String, arguments: [String]) async throws -> (status: Int32, output: String, errors: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        .appendingPathComponent(executable)
    process.arguments = arguments
    // Standard error goes to a file, so that neither stream can fill while the other is read.
    let errorFile = FileManager.default.temporaryDirectory.appendingPathComponent("\(executable)-stderr-\(UUID().uuidString)")
    _ = FileManager.default.createFile(atPath: errorFile.path, contents: nil)
    defer { try? FileManager.default.removeItem(at: errorFile) }
    process.standardError = try FileHandle(forWritingTo: errorFile)
    let output = Pipe()
    process.standardOutput = output
    try process.run()
    let (status, text) = await withCheckedContinuation { continuation in
        DispatchQueue.global().async {
            let data = output.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            continuation.resume(returning: (process.terminationStatus, String(decoding: data, as: UTF8.self)))
        }
    }
    return (status, text, (try? String(contentsOf: errorFile, encoding: .utf8)) ?? "")
}

/// A free TCP port on the loopback interface (for nodes that must restart on the same address).
public func freeLoopbackPort() -> Int {
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
