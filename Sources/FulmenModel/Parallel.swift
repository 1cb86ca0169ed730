import Dispatch

/// Runs `body(i)` for every `i` in `0 ..< count`, concurrently, and returns when all have finished.
///
/// The engine's only source of threads besides OpenBLAS: each index is one worker that owns its own buffers.
package func parallelFor(_ count: Int, _ body: (Int) -> Void) {
    if count <= 1 {
        if count == 1 { body(0) }
        return
    }
    withoutActuallyEscaping(body) { body in
        let shared = SendableBox(body)
        DispatchQueue.concurrentPerform(iterations: count) { shared.value($0) }
    }
}

/// Hands a value to the worker threads of ``parallelFor(_:_:)``.
///
/// `@unchecked Sendable` is safe here because the box only lives for one `parallelFor` call, whose workers each
/// touch disjoint memory (their own workspace, their own rows or sequences), and `parallelFor` returns only after
/// every worker has finished, so no access outlives or races the caller.
private struct SendableBox<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
