/// Per-call settings for remote calls made inside `withValue(_:operation:)`.
///
/// ```swift
/// let work = try await CallOptions.$current.withValue(CallOptions(timeout: .seconds(60))) {
///     try await store.dequeue(max: 8, wait: .seconds(30))
/// }
/// ```
public struct CallOptions: Sendable {
    /// How long a call may take before it fails with `RemoteCallError.Code.deadlineExceeded`;
    /// nil uses the system's `Settings.defaultCallTimeout`.
    public var timeout: Duration?

    public init(timeout: Duration? = nil) {
        self.timeout = timeout
    }

    /// The options in force for calls made by the current task.
    @TaskLocal public static var current = CallOptions()
}

extension CallOptions {
    /// Runs `operation` with remote calls limited to `timeout` each.
    public static func withTimeout<R: Sendable>(
        _ timeout: Duration, isolation: isolated (any Actor)? = #isolation, _ operation: () async throws -> R
    ) async rethrows -> R {
        try await $current.withValue(CallOptions(timeout: timeout), operation: operation, isolation: isolation)
    }
}
