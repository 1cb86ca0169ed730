import FulmenCore
import Foundation
import Instrumentation
import Logging
import Synchronization
public import Tracing

/// A swift-distributed-tracing `Tracer` that files spans made inside an episode under the episode's attempt.
///
/// Spans made with the standard API (`withSpan("parse") { … }`) by an agent, or by any library it uses, find
/// their episode through the task-local `InstrumentationContext`, so concurrent episodes never mix and
/// parent/child structure is kept. Spans made outside any episode are not recorded.
///
/// A process has one tracer (`InstrumentationSystem.bootstrap` may run once): ``install()`` makes this one it,
/// unless the process already bootstrapped another tracer.
public struct FulmenTracer: Tracer {
    public typealias Span = TracedSpan

    public init() {}

    private static let installation = Mutex<Bool?>(nil)

    /// Bootstraps the process's instrumentation with this tracer, once; a runner pool calls it when it starts.
    /// - Returns: whether spans made with the tracing API now reach the store (false when the process had
    ///   already bootstrapped a different tracer).
    @discardableResult
    public static func install() -> Bool {
        installation.withLock { installed in
            if let installed { return installed }
            let ours = InstrumentationSystem.instrument is NoOpInstrument
            if ours { InstrumentationSystem.bootstrap(FulmenTracer()) }
            installed = ours
            return ours
        }
    }

    public func startSpan<Instant: TracerInstant>(
        _ operationName: String, context: @autoclosure () -> InstrumentationContext, ofKind kind: SpanKind,
        at instant: @autoclosure () -> Instant, function: String, file fileID: String, line: UInt
    ) -> TracedSpan {
        let context = context()
        guard let enclosing = context[EpisodeScope.Key.self] else {
            return TracedSpan(operationName: operationName, context: context, recording: nil, start: instant())
        }
        let id = enclosing.recorder.makeID()
        let recording = TracedSpan.Recording(id: id, parent: enclosing.parent, recorder: enclosing.recorder)
        return TracedSpan(
            operationName: operationName, context: enclosing.nested(in: id).installed(in: context),
            recording: recording, start: instant())
    }

    public func forceFlush() {}

    public func extract<Carrier, Extract: Extractor>(
        _ carrier: Carrier, into context: inout InstrumentationContext, using extractor: Extract
    ) where Extract.Carrier == Carrier {}

    public func inject<Carrier, Inject: Injector>(
        _ context: InstrumentationContext, into carrier: inout Carrier, using injector: Inject
    ) where Inject.Carrier == Carrier {}
}

/// A span started through ``FulmenTracer``. When it ends inside an episode it is recorded there.
public final class TracedSpan: Tracing.Span {
    struct Recording {
        let id: String
        let parent: String
        let recorder: EpisodeRecorder
    }

    private struct State {
        var operationName: String
        var attributes: SpanAttributes = [:]
        var events: [FulmenCore.SpanEvent] = []
        var error: String?
        var ended = false
    }

    public let context: InstrumentationContext
    private let recording: Recording?
    private let start: Date
    private let state: Mutex<State>

    init(operationName: String, context: InstrumentationContext, recording: Recording?, start: some TracerInstant) {
        self.context = context
        self.recording = recording
        self.start = Date(nanosecondsSinceEpoch: start.nanosecondsSinceEpoch)
        self.state = Mutex(State(operationName: operationName))
    }

    public var operationName: String {
        get { state.withLock { $0.operationName } }
        set { state.withLock { $0.operationName = newValue } }
    }

    public var attributes: SpanAttributes {
        get { state.withLock { $0.attributes } }
        set { state.withLock { $0.attributes = newValue } }
    }

    public var isRecording: Bool { recording != nil }

    public func setStatus(_ status: SpanStatus) {
        guard status.code == .error else { return }
        state.withLock { $0.error = $0.error ?? status.message ?? "error" }
    }

    public func addEvent(_ event: Tracing.SpanEvent) {
        let converted = FulmenCore.SpanEvent(
            name: event.name, time: Date(nanosecondsSinceEpoch: event.nanosecondsSinceEpoch),
            attributes: event.attributes.spanValues)
        state.withLock { $0.events.append(converted) }
    }

    public func recordError<Instant: TracerInstant>(
        _ error: any Error, attributes: SpanAttributes, at instant: @autoclosure () -> Instant
    ) {
        let event = FulmenCore.SpanEvent(
            name: "exception", time: Date(nanosecondsSinceEpoch: instant().nanosecondsSinceEpoch),
            attributes: attributes.spanValues.merging(["exception.message": .string("\(error)")]) { $1 })
        state.withLock {
            $0.events.append(event)
            $0.error = $0.error ?? "\(error)"
        }
    }

    public func addLink(_ link: SpanLink) {}

    public func end<Instant: TracerInstant>(at instant: @autoclosure () -> Instant) {
        guard let recording else { return }
        let end = Date(nanosecondsSinceEpoch: instant().nanosecondsSinceEpoch)
        let finished: State? = state.withLock { state in
            if state.ended { return nil }
            state.ended = true
            return state
        }
        guard let finished else { return }
        recording.recorder.record(
            FulmenCore.Span(
                id: recording.id, parent: recording.parent, name: finished.operationName, start: start, end: end,
                attributes: finished.attributes.spanValues, events: finished.events, error: finished.error))
    }
}

extension Date {
    fileprivate init(nanosecondsSinceEpoch: UInt64) {
        self.init(timeIntervalSince1970: Double(nanosecondsSinceEpoch) / 1e9)
    }
}

extension SpanAttributes {
    /// The attributes as Fulmen stores them.
    fileprivate var spanValues: [String: SpanValue] {
        var values: [String: SpanValue] = [:]
        forEach { key, attribute in values[key] = SpanValue(attribute) }
        return values
    }
}

extension SpanValue {
    fileprivate init(_ attribute: SpanAttribute) {
        switch attribute {
        case .int32(let value): self = .int(Int(value))
        case .int64(let value): self = .int(Int(value))
        case .int32Array(let values): self = .ints(values.map(Int.init))
        case .int64Array(let values): self = .ints(values.map(Int.init))
        case .double(let value): self = .double(value)
        case .doubleArray(let values): self = .floats(values.map(Float.init))
        case .bool(let value): self = .bool(value)
        case .boolArray(let values): self = .strings(values.map(String.init))
        case .string(let value): self = .string(value)
        case .stringArray(let values): self = .strings(values)
        case .stringConvertible(let value): self = .string(value.description)
        case .stringConvertibleArray(let values): self = .strings(values.map(\.description))
        default: self = .string("\(attribute)")
        }
    }
}
