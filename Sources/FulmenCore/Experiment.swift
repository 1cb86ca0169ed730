public import Foundation

/// A training run submitted by a user and carried out by a trainer.
public struct Experiment: Codable, Sendable, Equatable {
    public var id: ExperimentID
    public var name: String
    /// The experiment's specification as submitted (a document the trainer interprets).
    public var spec: Data
    public var status: ExperimentStatus
    /// The trainer that claimed it.
    public var trainer: String?
    /// Why it failed or was cancelled, or the trainer's last word.
    public var message: String?
    public var submittedAt: Date
    public var startedAt: Date?
    public var endedAt: Date?
    public var checkpoints: [Checkpoint]

    public init(
        id: ExperimentID, name: String, spec: Data, status: ExperimentStatus, trainer: String?, message: String?,
        submittedAt: Date, startedAt: Date?, endedAt: Date?, checkpoints: [Checkpoint]
    ) {
        self.id = id
        self.name = name
        self.spec = spec
        self.status = status
        self.trainer = trainer
        self.message = message
        self.submittedAt = submittedAt
        self.startedAt = startedAt
        self.endedAt = endedAt
        self.checkpoints = checkpoints
    }
}

/// Where an experiment is.
///
/// ```
/// submitted ──▶ running ──▶ finished | failed
///     └────────────┴──▶ cancelled
/// ```
public enum ExperimentStatus: String, Codable, Sendable, CaseIterable, StatusMachine {
    public static let machineName = "experiment"

    case submitted
    case running
    case finished
    case failed
    case cancelled

    public var isFinal: Bool {
        switch self {
        case .submitted, .running: false
        case .finished, .failed, .cancelled: true
        }
    }

    /// The statuses this one may move to.
    public var allowedNext: Set<ExperimentStatus> {
        switch self {
        case .submitted: [.running, .cancelled]
        case .running: [.finished, .failed, .cancelled]
        case .finished, .failed, .cancelled: []
        }
    }
}

/// What a user submits.
public struct ExperimentSubmission: Codable, Sendable, Equatable {
    /// `nil` lets the store choose one; submitting the same id twice returns the first.
    public var id: ExperimentID?
    public var name: String
    public var spec: Data

    public init(id: ExperimentID? = nil, name: String, spec: Data) {
        self.id = id
        self.name = name
        self.spec = spec
    }
}

/// One point of an experiment's metrics time series.
public struct MetricPoint: Codable, Sendable, Equatable {
    public var step: Int
    public var time: Date
    /// Named values: `reward`, `successRate`, `loss`, `rolloutsPerSecond`, …
    public var values: [String: Double]

    public init(step: Int, time: Date, values: [String: Double]) {
        self.step = step
        self.time = time
        self.values = values
    }
}

/// A checkpoint a trainer wrote.
public struct Checkpoint: Codable, Sendable, Equatable {
    public var step: Int
    /// Where it is, on the trainer's host.
    public var location: String
    /// The resource snapshot that published its weights, if any.
    public var resources: ResourceSnapshotID?
    public var createdAt: Date

    public init(step: Int, location: String, resources: ResourceSnapshotID?, createdAt: Date) {
        self.step = step
        self.location = location
        self.resources = resources
        self.createdAt = createdAt
    }
}
