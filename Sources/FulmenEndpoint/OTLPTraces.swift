import FulmenCore
import Foundation

/// An OTLP/HTTP JSON trace export (`ExportTraceServiceRequest`), as an agent's OpenTelemetry SDK posts it
/// to `…/v1/traces`: its spans, in Fulmen's form, with the agent's span ids (hex) and parents kept for the
/// attempt to map.
struct OTLPTraceExport: Decodable {
    private struct ResourceSpans: Decodable {
        let scopeSpans: [ScopeSpans]?
    }

    private struct ScopeSpans: Decodable {
        let spans: [OTLPSpan]?
    }

    private let resourceSpans: [ResourceSpans]?

    /// Every span of the export.
    var spans: [Span] {
        get throws(OpenAIError) {
            var spans: [Span] = []
            for resource in resourceSpans ?? [] {
                for scope in resource.scopeSpans ?? [] {
                    for span in scope.spans ?? [] { spans.append(try span.span()) }
                }
            }
            return spans
        }
    }
}

private struct OTLPSpan: Decodable {
    struct Event: Decodable {
        let timeUnixNano: UnixNanos?
        let name: String
        let attributes: [KeyValue]?
    }

    struct Status: Decodable {
        let code: Int?
        let message: String?
    }

    let spanId: String
    let parentSpanId: String?
    let name: String
    let startTimeUnixNano: UnixNanos
    let endTimeUnixNano: UnixNanos
    let attributes: [KeyValue]?
    let events: [Event]?
    let status: Status?

    func span() throws(OpenAIError) -> Span {
        if spanId.isEmpty { throw .invalidRequest("a span of the export has an empty spanId", param: "spanId") }
        let parent = parentSpanId.flatMap { $0.isEmpty ? nil : $0 }
        // Status code 2 is STATUS_CODE_ERROR.
        let error = status?.code == 2 ? (status?.message.flatMap { $0.isEmpty ? nil : $0 } ?? "error") : nil
        return Span(
            id: spanId, parent: parent, name: name, start: startTimeUnixNano.date, end: endTimeUnixNano.date,
            attributes: KeyValue.attributes(attributes),
            events: (events ?? []).map {
                SpanEvent(
                    name: $0.name, time: ($0.timeUnixNano ?? startTimeUnixNano).date,
                    attributes: KeyValue.attributes($0.attributes))
            }, error: error)
    }
}

/// An OTLP timestamp: nanoseconds since the epoch, which OTLP JSON writes as a string (or a number).
private struct UnixNanos: Decodable {
    let nanoseconds: UInt64

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let text = try? container.decode(String.self) {
            guard let value = UInt64(text) else {
                throw DecodingError.dataCorrupted(
                    .init(codingPath: container.codingPath, debugDescription: "'\(text)' is not a count of nanoseconds"))
            }
            nanoseconds = value
        } else {
            nanoseconds = try container.decode(UInt64.self)
        }
    }

    var date: Date { Date(timeIntervalSince1970: Double(nanoseconds) / 1e9) }
}

/// An OTLP attribute.
private struct KeyValue: Decodable {
    let key: String
    let value: AnyValue?

    static func attributes(_ list: [KeyValue]?) -> [String: SpanValue] {
        var attributes: [String: SpanValue] = [:]
        for pair in list ?? [] { attributes[pair.key] = pair.value?.spanValue }
        return attributes
    }
}

/// An OTLP `AnyValue`; int64s arrive as strings.
private indirect enum AnyValue: Decodable {
    case string(String)
    case bool(Bool)
    case int(Int)
    case double(Double)
    case array([AnyValue])
    case other

    private enum CodingKeys: String, CodingKey {
        case stringValue, boolValue, intValue, doubleValue, arrayValue
    }

    private struct ArrayValue: Decodable {
        let values: [AnyValue]?
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        if let value = try container.decodeIfPresent(String.self, forKey: .stringValue) {
            self = .string(value)
        } else if let value = try container.decodeIfPresent(Bool.self, forKey: .boolValue) {
            self = .bool(value)
        } else if container.contains(.intValue) {
            if let text = try? container.decode(String.self, forKey: .intValue), let value = Int(text) {
                self = .int(value)
            } else {
                self = .int(try container.decode(Int.self, forKey: .intValue))
            }
        } else if let value = try container.decodeIfPresent(Double.self, forKey: .doubleValue) {
            self = .double(value)
        } else if let value = try container.decodeIfPresent(ArrayValue.self, forKey: .arrayValue) {
            self = .array(value.values ?? [])
        } else {
            self = .other
        }
    }

    var spanValue: SpanValue? {
        switch self {
        case .string(let value): return .string(value)
        case .bool(let value): return .bool(value)
        case .int(let value): return .int(value)
        case .double(let value): return .double(value)
        case .other: return nil
        case .array(let values):
            let ints = values.compactMap { if case .int(let v) = $0 { v } else { nil } }
            if ints.count == values.count { return .ints(ints) }
            let numbers = values.compactMap { value -> Float? in
                switch value {
                case .int(let v): Float(v)
                case .double(let v): Float(v)
                default: nil
                }
            }
            if numbers.count == values.count { return .floats(numbers) }
            return .strings(values.map { value in
                switch value {
                case .string(let v): v
                case .bool(let v): String(v)
                case .int(let v): String(v)
                case .double(let v): String(v)
                case .array, .other: ""
                }
            })
        }
    }
}
