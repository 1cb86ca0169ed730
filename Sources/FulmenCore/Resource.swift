public import Foundation

/// The version number of a resource snapshot, counting up from 1 as snapshots are published.
public typealias ResourceSnapshotID = Int

/// What a resource is, which decides how the store checks it.
public enum ResourceKind: String, Codable, Sendable, CaseIterable {
    /// A prompt template: UTF-8 text.
    case promptTemplate
    /// Settings (e.g. sampling temperature): a JSON object.
    case settings
    /// Policy model weights: a safetensors file.
    case weights
}

/// A resource's content, as published.
public struct ResourceContent: Codable, Sendable, Equatable {
    public var kind: ResourceKind
    public var data: Data

    public init(kind: ResourceKind, data: Data) {
        self.kind = kind
        self.data = data
    }

    public static func promptTemplate(_ text: String) -> ResourceContent {
        ResourceContent(kind: .promptTemplate, data: Data(text.utf8))
    }
}

/// A resource inside a snapshot. Small resources come with their content; weights are fetched
/// by `hash` when a runner's cache does not have them.
public struct ResourceDescriptor: Codable, Sendable, Equatable {
    public var kind: ResourceKind
    /// The SHA-256 of the content, in lowercase hex.
    public var hash: String
    public var size: Int
    /// The content itself, for every kind but `weights`.
    public var inline: Data?

    public init(kind: ResourceKind, hash: String, size: Int, inline: Data?) {
        self.kind = kind
        self.hash = hash
        self.size = size
        self.inline = inline
    }
}

/// An immutable set of named resources. Publishing makes a new snapshot the latest.
public struct ResourceSnapshot: Codable, Sendable, Equatable {
    public var id: ResourceSnapshotID
    public var createdAt: Date
    public var resources: [String: ResourceDescriptor]

    public init(id: ResourceSnapshotID, createdAt: Date, resources: [String: ResourceDescriptor]) {
        self.id = id
        self.createdAt = createdAt
        self.resources = resources
    }
}

/// A new snapshot to publish.
public struct ResourcePublication: Codable, Sendable, Equatable {
    public var resources: [String: ResourceContent]
    /// Whether the resources of the latest snapshot that are not named here carry over (so a
    /// trainer can publish new weights without restating the prompt templates).
    public var carryOverLatest: Bool

    public init(resources: [String: ResourceContent], carryOverLatest: Bool = true) {
        self.resources = resources
        self.carryOverLatest = carryOverLatest
    }
}

/// The names under which Fulmen looks for resources in a snapshot.
public enum ResourceName {
    /// The policy model's weights (kind `weights`), which the runner's model client samples from.
    public static let policy = "policy"
    /// Default sampling settings for the model client (kind `settings`): a JSON object with any of
    /// `temperature`, `topK`, `topP`.
    public static let sampling = "sampling"
}
