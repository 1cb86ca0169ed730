import Foundation
import GRDB
import FulmenCore

/// Enqueueing, claiming, cancelling and listing rollouts: the queue part of the store.
enum RolloutQueue {
    static let columns = """
        id, task, input, mode, resources, timeout_ns, liveness_window_ns, max_attempts, retry_on, metadata, experiment, \
        status, attempts, enqueued_at, updated_at, settled_at
        """

    /// Inserts new rollouts; an id already present is left as it is.
    static func enqueue(_ requests: [RolloutRequest], limits: StoreLimits, in db: Database, now: Date) throws -> [EnqueueReceipt] {
        var latestSnapshot: ResourceSnapshotID??
        var receipts: [EnqueueReceipt] = []
        receipts.reserveCapacity(requests.count)
        let insert = try db.cachedStatement(sql: """
            INSERT INTO rollouts (\(columns)) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, NULL)
            """)
        for (index, request) in requests.enumerated() {
            try validate(request, index: index, limits: limits)
            if let id = request.id, let existing = try Row.fetchOne(
                db.cachedStatement(sql: "SELECT status, resources FROM rollouts WHERE id = ?"), arguments: [id.rawValue])
            {
                guard let status = RolloutStatus(rawValue: existing[0]) else {
                    throw StoreError(.storage, "rollout \(id) has an unknown status")
                }
                receipts.append(EnqueueReceipt(id: id, created: false, status: status, resources: existing[1]))
                continue
            }
            let pinned: ResourceSnapshotID?
            switch request.resources {
            case .none:
                pinned = nil
            case .latest:
                if latestSnapshot == nil { latestSnapshot = try ResourceRegistry.latestID(in: db) }
                pinned = latestSnapshot!
            case .snapshot(let id):
                guard try ResourceRegistry.exists(id, in: db) else {
                    throw StoreError(.notFound, "requests[\(index)].resources: no resource snapshot \(id)")
                }
                pinned = id
            }
            if let experiment = request.experiment, try !ExperimentBook.exists(experiment, in: db) {
                throw StoreError(.notFound, "requests[\(index)].experiment: no experiment \(experiment)")
            }
            let id = request.id ?? RolloutID("ro-\(randomHex())")
            let config = request.config
            try insert.execute(arguments: [
                id.rawValue, request.task, request.input, request.mode.rawValue, pinned,
                config.timeout.wholeNanoseconds, config.livenessWindow.wholeNanoseconds, config.retry.maxAttempts,
                RetryMask.encode(config.retry.retryOn), request.metadata.isEmpty ? nil : try Blob.encode(request.metadata),
                request.experiment?.rawValue, RolloutStatus.queuing.rawValue, now.storeTime, now.storeTime,
            ])
            receipts.append(EnqueueReceipt(id: id, created: true, status: .queuing, resources: pinned))
        }
        return receipts
    }

    private static func validate(_ request: RolloutRequest, index: Int, limits: StoreLimits) throws {
        let field = "requests[\(index)]"
        if let id = request.id, id.rawValue.isEmpty || id.rawValue.utf8.count > 256 {
            throw StoreError(.invalidArgument, "\(field).id: must have 1 to 256 bytes")
        }
        if request.task.isEmpty {
            throw StoreError(.invalidArgument, "\(field).task: must not be empty")
        }
        if request.input.count > limits.maximumInputBytes {
            throw StoreError(.invalidArgument, "\(field).input: \(request.input.count) bytes exceed the limit of \(limits.maximumInputBytes)")
        }
        let config = request.config
        if config.timeout <= .zero || config.livenessWindow <= .zero {
            throw StoreError(.invalidArgument, "\(field).config: timeout and livenessWindow must be positive")
        }
        if config.retry.maxAttempts < 1 {
            throw StoreError(.invalidArgument, "\(field).config.retry.maxAttempts: must be at least 1")
        }
    }

    /// Claims up to `limit` claimable rollouts, oldest first, starting an attempt at each.
    static func claim(_ request: DequeueRequest, in db: Database, now: Date) throws -> [Claim] {
        var rollouts: [Rollout]
        switch request.tasks.count {
        case 0:
            rollouts = try RawStatement.with("""
                SELECT \(columns) FROM rollouts INDEXED BY rollouts_claimable
                WHERE status IN ('queuing', 'requeuing') ORDER BY seq LIMIT ?
                """, in: db) { statement in
                try statement.bind(request.limit, at: 1)
                return try decodeAll(&statement)
            }
        case 1:
            rollouts = try RawStatement.with("""
                SELECT \(columns) FROM rollouts INDEXED BY rollouts_claimable_by_task
                WHERE status IN ('queuing', 'requeuing') AND task = ? ORDER BY seq LIMIT ?
                """, in: db) { statement in
                try statement.bind(request.tasks[0], at: 1)
                try statement.bind(request.limit, at: 2)
                return try decodeAll(&statement)
            }
        default:
            rollouts = try Row.fetchAll(db, sql: """
                SELECT \(columns) FROM rollouts INDEXED BY rollouts_claimable
                WHERE status IN ('queuing', 'requeuing') AND task IN (\(placeholders(request.tasks.count))) ORDER BY seq LIMIT ?
                """, arguments: StatementArguments(request.tasks + [String(request.limit)])).map(decode)
        }
        guard !rollouts.isEmpty else { return [] }
        var claims: [Claim] = []
        claims.reserveCapacity(rollouts.count)
        for index in rollouts.indices {
            try rollouts[index].claim(now: now, in: db)
            let attempt = try AttemptLedger.start(rollouts[index], worker: request.worker, in: db, now: now)
            claims.append(Claim(rollout: rollouts[index], attempt: attempt.id, sequence: attempt.sequence))
        }
        return claims
    }

    /// The rollouts a statement that selects `columns` answers.
    private static func decodeAll(_ statement: inout RawStatement) throws -> [Rollout] {
        var rollouts: [Rollout] = []
        while try statement.next() { rollouts.append(try decode(statement)) }
        return rollouts
    }

    /// Moves a rollout from `current` to `status`, checking the move and logging the rollout in
    /// the completions log when it becomes final.
    static func setStatus(
        _ status: RolloutStatus, of id: RolloutID, from current: RolloutStatus, experiment: ExperimentID?, in db: Database, now: Date
    ) throws {
        _ = try current.transition(to: status)
        try RawStatement.with("UPDATE rollouts SET status = ?, updated_at = ?, settled_at = ? WHERE id = ?", in: db) { statement in
            try statement.bind(status.rawValue, at: 1)
            try statement.bind(now.storeTime, at: 2)
            try statement.bind(status.isFinal ? now.storeTime : nil, at: 3)
            try statement.bind(id.rawValue, at: 4)
            try statement.run()
        }
        if status.isFinal {
            try CompletionLog.append(id, experiment: experiment, in: db)
        }
    }

    /// Cancels the rollouts among `ids` that are not final; answers those it cancelled.
    static func cancel(_ ids: [RolloutID], in db: Database, now: Date) throws -> [RolloutChange] {
        var cancelled: [RolloutChange] = []
        for id in ids {
            guard let rollout = try rollout(id, in: db) else {
                throw StoreError(.notFound, "no rollout \(id)")
            }
            guard !rollout.status.isFinal else { continue }
            try setStatus(.cancelled, of: id, from: rollout.status, experiment: rollout.experiment, in: db, now: now)
            cancelled.append(RolloutChange(id: id, status: .cancelled))
        }
        return cancelled
    }

    static func rollout(_ id: RolloutID, in db: Database) throws -> Rollout? {
        try Row.fetchOne(db.cachedStatement(sql: "SELECT \(columns) FROM rollouts WHERE id = ?"), arguments: [id.rawValue])
            .map(decode)
    }

    static func list(_ query: RolloutQuery, in db: Database) throws -> Page<Rollout> {
        var conditions = ["seq > ?"]
        var arguments: [(any DatabaseValueConvertible)?] = [query.page.after?.position ?? 0]
        if !query.statuses.isEmpty {
            conditions.append("status IN (\(placeholders(query.statuses.count)))")
            arguments += query.statuses.map(\.rawValue).sorted()
        }
        if let experiment = query.experiment {
            conditions.append("experiment = ?")
            arguments.append(experiment.rawValue)
        }
        if let mode = query.mode {
            conditions.append("mode = ?")
            arguments.append(mode.rawValue)
        }
        if let task = query.task {
            conditions.append("task = ?")
            arguments.append(task)
        }
        arguments.append(query.page.limit + 1)
        let rows = try Row.fetchAll(db, sql: """
            SELECT \(columns), seq FROM rollouts WHERE \(conditions.joined(separator: " AND ")) ORDER BY seq LIMIT ?
            """, arguments: StatementArguments(arguments))
        return try Page(rows: rows, limit: query.page.limit, cursor: "seq", decode)
    }

    /// A rollout from the current row of a statement that selects `columns`.
    static func decode(_ row: borrowing RawStatement) throws -> Rollout {
        guard let mode = RolloutMode(rawValue: row.string(3)), let status = RolloutStatus(rawValue: row.string(11)) else {
            throw StoreError(.storage, "rollout \(row.string(0)) has an unknown mode or status")
        }
        let config = RolloutConfig(
            timeout: .nanoseconds(row.int64(5)), livenessWindow: .nanoseconds(row.int64(6)),
            retry: RetryPolicy(maxAttempts: row.int(7), retryOn: RetryMask.decode(row.int(8))))
        return Rollout(
            id: RolloutID(row.string(0)), task: row.string(1), input: row.data(2), mode: mode,
            resources: row.isNull(4) ? nil : row.int(4),
            config: config, metadata: try row.optionalData(9).map { try Blob.decode([String: String].self, from: $0) } ?? [:],
            experiment: row.optionalString(10).map { ExperimentID($0) }, status: status, attempts: row.int(12),
            enqueuedAt: Date(storeTime: row.double(13)), updatedAt: Date(storeTime: row.double(14)),
            settledAt: row.optionalDouble(15).map { Date(storeTime: $0) })
    }

    /// A rollout from a row that starts with `columns` (read by position: this is the store's
    /// hottest decoding).
    static func decode(_ row: Row) throws -> Rollout {
        guard let mode = RolloutMode(rawValue: row[3]), let status = RolloutStatus(rawValue: row[11]) else {
            throw StoreError(.storage, "rollout \(row[0] as String? ?? "?") has an unknown mode or status")
        }
        let config = RolloutConfig(
            timeout: .nanoseconds(row[5] as Int64), livenessWindow: .nanoseconds(row[6] as Int64),
            retry: RetryPolicy(maxAttempts: row[7], retryOn: RetryMask.decode(row[8])))
        return Rollout(
            id: RolloutID(row[0]), task: row[1], input: row[2], mode: mode, resources: row[4],
            config: config, metadata: try (row[9] as Data?).map { try Blob.decode([String: String].self, from: $0) } ?? [:],
            experiment: (row[10] as String?).map { ExperimentID($0) }, status: status, attempts: row[12],
            enqueuedAt: Date(storeTime: row[13]), updatedAt: Date(storeTime: row[14]),
            settledAt: (row[15] as Double?).map { Date(storeTime: $0) })
    }
}

extension Rollout {
    /// Moves a rollout just selected as claimable to `preparing`, counting its next attempt.
    fileprivate mutating func claim(now: Date, in db: Database) throws {
        status = try status.transition(to: .preparing)
        attempts += 1
        updatedAt = now
        try RawStatement.with("UPDATE rollouts SET status = ?, attempts = ?, updated_at = ? WHERE id = ?", in: db) { statement in
            try statement.bind(status.rawValue, at: 1)
            try statement.bind(attempts, at: 2)
            try statement.bind(now.storeTime, at: 3)
            try statement.bind(id.rawValue, at: 4)
            try statement.run()
        }
    }
}

/// 16 random hex digits, for ids the store chooses.
func randomHex() -> String {
    let value = UInt64.random(in: 1...UInt64.max)
    let digits = String(value, radix: 16)
    return String(repeating: "0", count: 16 - digits.count) + digits
}

/// A rollout whose status changed (settled or requeued), for waking whoever waits on that.
struct RolloutChange: Sendable {
    var id: RolloutID
    var status: RolloutStatus
}

/// A set of attempt failures as the bits of one integer column.
enum RetryMask {
    private static func bit(_ failure: AttemptFailure) -> Int {
        switch failure {
        case .failed: 1
        case .unresponsive: 2
        case .timedOut: 4
        }
    }

    static func encode(_ failures: Set<AttemptFailure>) -> Int {
        failures.reduce(0) { $0 | bit($1) }
    }

    static func decode(_ mask: Int) -> Set<AttemptFailure> {
        Set(AttemptFailure.allCases.filter { mask & bit($0) != 0 })
    }
}
