/// Where a page of results starts, and how long it may be.
public struct PageRequest: Codable, Sendable, Equatable {
    /// The `next` cursor of the previous page; `nil` for the first.
    public var after: PageCursor?
    public var limit: Int

    public init(after: PageCursor? = nil, limit: Int = 100) {
        self.after = after
        self.limit = limit
    }
}

/// An opaque position in a listing: pass it back to get the page after it.
public struct PageCursor: Codable, Sendable, Hashable {
    public let position: Int64

    public init(position: Int64) {
        self.position = position
    }
}

/// Some results, and the cursor of the page after them if there are more.
public struct Page<Item: Codable & Sendable>: Codable, Sendable {
    public var items: [Item]
    public var next: PageCursor?

    public init(items: [Item], next: PageCursor?) {
        self.items = items
        self.next = next
    }
}

extension Page: Equatable where Item: Equatable {}

/// Which rollouts to list, oldest enqueued first.
public struct RolloutQuery: Codable, Sendable, Equatable {
    /// Any of these statuses; empty means any status.
    public var statuses: Set<RolloutStatus>
    public var experiment: ExperimentID?
    public var mode: RolloutMode?
    public var task: String?
    public var page: PageRequest

    public init(
        statuses: Set<RolloutStatus> = [], experiment: ExperimentID? = nil, mode: RolloutMode? = nil, task: String? = nil,
        page: PageRequest = PageRequest()
    ) {
        self.statuses = statuses
        self.experiment = experiment
        self.mode = mode
        self.task = task
        self.page = page
    }
}
