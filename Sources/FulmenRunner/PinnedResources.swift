public import FulmenCore
import Foundation

/// The resources a rollout pins: one immutable snapshot of prompt templates, settings and weights.
public struct PinnedResources: Sendable {
    /// The snapshot, or `nil` when the rollout pins none.
    public let snapshot: ResourceSnapshot?

    public init(snapshot: ResourceSnapshot?) {
        self.snapshot = snapshot
    }

    /// The snapshot's version, or `nil` when the rollout pins none.
    public var version: ResourceSnapshotID? { snapshot?.id }

    /// Whether the snapshot holds a resource named `name`.
    public func contains(_ name: String) -> Bool { snapshot?.resources[name] != nil }

    /// A prompt template (or any text resource) by name.
    /// - Throws: ``EpisodeError`` when there is no such resource or it is not inline UTF-8 text.
    public func text(_ name: String) throws(EpisodeError) -> String {
        let data = try inlineData(name)
        guard let text = String(data: data, encoding: .utf8) else {
            throw .invalidResource(name: name, reason: "its content is not UTF-8 text")
        }
        return text
    }

    /// A settings resource, decoded from its JSON.
    /// - Throws: ``EpisodeError`` when there is no such resource or its JSON does not decode as `type`.
    public func settings<T: Decodable>(_ name: String, as type: T.Type) throws(EpisodeError) -> T {
        let data = try inlineData(name)
        do {
            return try JSONDecoder().decode(T.self, from: data)
        } catch {
            throw .invalidResource(name: name, reason: "its JSON does not decode as \(T.self): \(error)")
        }
    }

    /// The descriptor of a resource by name.
    /// - Throws: ``EpisodeError/missingResource(name:snapshot:)`` when there is none.
    public func descriptor(_ name: String) throws(EpisodeError) -> ResourceDescriptor {
        guard let descriptor = snapshot?.resources[name] else { throw .missingResource(name: name, snapshot: version) }
        return descriptor
    }

    private func inlineData(_ name: String) throws(EpisodeError) -> Data {
        let descriptor = try descriptor(name)
        guard let data = descriptor.inline else {
            throw .invalidResource(name: name, reason: "it is a \(descriptor.kind.rawValue) resource without inline content")
        }
        return data
    }
}
