import Foundation
import Glibc
import Synchronization

/// A loopback TCP relay between a node and its peer that can hold the traffic, as a cut network
/// link does: while held, bytes wait in the kernel's buffers, and the TCP connections stay up, so
/// that they arrive once the relay is released.
///
/// Connect to `endpoint` instead of the target's endpoint; every connection made to the relay is
/// relayed on a connection of its own to the target. It relays until `stop()`.
public final class TCPRelay: Sendable {
    /// Where to connect, as a ZeroMQ endpoint (`tcp://127.0.0.1:PORT`).
    public let endpoint: String
    private let held = Atomic(false)
    private let stopped = Atomic(false)
    /// Passes of the relay loop begun, each reading `held` first.
    private let passes = Atomic(0)

    /// Listens on a free loopback port and relays to `target`, a `tcp://127.0.0.1:PORT` endpoint.
    public init(to target: String) throws {
        guard let targetPort = target.split(separator: ":").last.flatMap({ UInt16($0) }) else {
            throw RelayError("cannot read a port in \(target)")
        }
        let listener = try Self.socketOrThrow()
        var address = Self.loopback(port: 0)
        guard Self.withSockaddr(&address, { bind(listener, $0, $1) }) == 0, listen(listener, 8) == 0 else {
            close(listener)
            throw RelayError("cannot listen: \(String(cString: strerror(errno)))")
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &length) }
        }
        endpoint = "tcp://127.0.0.1:\(UInt16(bigEndian: address.sin_port))"
        Thread { [self] in relay(listener: listener, targetPort: targetPort) }.start()
    }

    /// Stops passing bytes on, in both directions; returns once nothing more passes.
    public func hold() async {
        held.store(true, ordering: .sequentiallyConsistent)
        // The pass under way may still pass bytes on; the next one reads `held` after its start
        // is counted, so it sees the hold, and its start means the pass under way has ended.
        let current = passes.load(ordering: .sequentiallyConsistent)
        while passes.load(ordering: .sequentiallyConsistent) <= current { try? await Task.sleep(for: .milliseconds(1)) }
    }

    /// Passes on what waited and everything after it.
    public func release() { held.store(false, ordering: .sequentiallyConsistent) }

    /// Closes every connection and the listener.
    public func stop() { stopped.store(true, ordering: .sequentiallyConsistent) }

    private func relay(listener: Int32, targetPort: UInt16) {
        // Each pair is (from, to) for one direction of one relayed connection.
        var pairs: [(Int32, Int32)] = []
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        defer {
            for (from, _) in pairs { close(from) }
            close(listener)
        }
        while !stopped.load(ordering: .sequentiallyConsistent) {
            passes.add(1, ordering: .sequentiallyConsistent)
            let relaying = !held.load(ordering: .sequentiallyConsistent)
            var descriptors = [pollfd(fd: listener, events: Int16(POLLIN), revents: 0)]
            if relaying { descriptors += pairs.map { pollfd(fd: $0.0, events: Int16(POLLIN), revents: 0) } }
            guard poll(&descriptors, nfds_t(descriptors.count), 10) >= 0 else { continue }
            if descriptors[0].revents != 0, let pair = accept(listener, targetPort: targetPort) {
                pairs += [pair, (pair.1, pair.0)]
            }
            var closed: Set<Int32> = []
            for (index, descriptor) in descriptors.enumerated().dropFirst() where descriptor.revents != 0 {
                let (from, to) = pairs[index - 1]
                let count = read(from, &buffer, buffer.count)
                if count <= 0 || !writeAll(buffer[..<count], to: to) { closed.formUnion([from, to]) }
            }
            if !closed.isEmpty {
                for fd in closed { close(fd) }
                pairs.removeAll { closed.contains($0.0) }
            }
        }
    }

    /// Accepts a connection and connects its counterpart to the target.
    private func accept(_ listener: Int32, targetPort: UInt16) -> (Int32, Int32)? {
        let incoming = Glibc.accept(listener, nil, nil)
        guard incoming >= 0 else { return nil }
        guard let outgoing = try? Self.socketOrThrow() else {
            close(incoming)
            return nil
        }
        var address = Self.loopback(port: targetPort)
        guard Self.withSockaddr(&address, { connect(outgoing, $0, $1) }) == 0 else {
            close(incoming)
            close(outgoing)
            return nil
        }
        return (incoming, outgoing)
    }

    private func writeAll(_ bytes: ArraySlice<UInt8>, to fd: Int32) -> Bool {
        var written = 0
        while written < bytes.count {
            let count = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + written, $0.count - written) }
            guard count > 0 else { return false }
            written += count
        }
        return true
    }

    private static func socketOrThrow() throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw RelayError("cannot open a socket: \(String(cString: strerror(errno)))") }
        return fd
    }

    private static func loopback(port: UInt16) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = port.bigEndian
        return address
    }

    private static func withSockaddr(_ address: inout sockaddr_in, _ body: (UnsafePointer<sockaddr>, socklen_t) -> Int32) -> Int32 {
        withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
    }
}

/// Why a `TCPRelay` could not start.
public struct RelayError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
