public import Distributed
public import FulmenCore
public import Foundation
public import Logging
import GRDB
public import ZMQActorSystem

/// The store: rollouts, attempts, spans, resources, workers and experiments on SQLite, served
/// to every other process through the protocol of its role: `RunnerStore`, `TrainerStore`,
/// `ControlStore` and `StoreReads`. With CurveZMQ, each call is checked against the role its
/// caller's key has on the allow-list (`admit`, StoreAccess.swift).
///
/// Liveness is driven by a timer inside the store, and by the actor system: when a node that
/// workers call from goes down, their attempts become unresponsive at once. Long polls
/// (`dequeue`, `completions`, `claimExperiment`) wait on the store's own signals; nothing polls.
public distributed actor StoreActor: RunnerStore, TrainerStore, ControlStore {
    public typealias ActorSystem = ZMQActorSystem

    private enum Topic {
        /// Rollouts became claimable.
        case work
        /// Rollouts were settled.
        case completions
        /// Experiments were submitted.
        case experiments
    }

    private let database: StoreDatabase
    private let limits: StoreLimits
    let logger: Logger
    private let commits: GroupCommit
    private var waitLists: [Topic: WaitList] = [.work: WaitList(), .completions: WaitList(), .experiments: WaitList()]
    private var watchedNodes: Set<NodeID> = []
    /// When callers' nodes went down, kept as long as a long poll lasts: a long poll whose
    /// caller's node went down after it began gets no work, even if the node is back since.
    private var nodesDownAt: [NodeID: ContinuousClock.Instant] = [:]
    /// When each worker's last dequeue was recorded, and from which node: `dequeue` records a
    /// worker as seen at most once a second.
    private var workersSeen: [WorkerID: (node: String?, at: ContinuousClock.Instant)] = [:]
    /// Workers that unregistered since this store started: their pending long polls get no work.
    private var departedWorkers: Set<WorkerID> = []
    private var enqueued = RateMeter()
    private var settled = RateMeter()

    /// Opens (or creates) the store's database, recovers the attempts of a previous life, and
    /// starts the liveness timer. Opening blocks the calling thread for as long as SQLite takes to
    /// open the file and apply missing migrations.
    public init(configuration: StoreConfiguration, actorSystem: ZMQActorSystem, logger: Logger = Logger(label: "fulmen.store")) throws {
        let database = try StoreDatabase(location: configuration.location)
        try database.writer.write { try AttemptLedger.extendLiveness(in: $0, now: .storeNow) }
        self.database = database
        self.commits = GroupCommit(database: database)
        self.limits = configuration.limits
        self.logger = logger
        self.actorSystem = actorSystem
        let interval = configuration.sweepInterval
        Task { [weak self] in
            while !Task.isCancelled {
                try? await Task.sleep(for: interval)
                guard let self else { return }
                await self.whenLocal { await $0.sweep() }
            }
        }
    }

    // MARK: Rollouts

    public distributed func enqueue(_ requests: [RolloutRequest]) async throws -> [EnqueueReceipt] {
        try admit(.enqueue)
        try checkBatch(requests.count, "requests")
        let limits = limits
        let receipts = try await write { db in
            try RolloutQueue.enqueue(requests, limits: limits, in: db, now: .storeNow)
        }
        let created = receipts.filter(\.created).count
        if created > 0 {
            enqueued.record(created, at: Date())
            changed(.work)
        }
        return receipts
    }

    public distributed func dequeue(_ request: DequeueRequest) async throws -> [Claim] {
        try admit(.dequeue)
        try checkBatch(request.limit, "limit", allowEmpty: false)
        let node = watchCaller()
        let caller = ZMQActorSystem.currentCaller
        let began = ContinuousClock.now
        var first = true
        var callerWentDown = false
        return try await longPoll(.work, wait: request.wait, until: { !$0.isEmpty || callerWentDown }) {
            // A caller whose node went down, or whose worker unregistered, while it waited gets no claims:
            // nobody would run them.
            if !first, departedWorkers.contains(request.worker) || caller.flatMap({ nodesDownAt[$0] }).map({ $0 >= began }) == true {
                callerWentDown = true
                return []
            }
            let recordSeen = first && needsRecording(request.worker, from: node)
            first = false
            let claims = try await write { db in
                if recordSeen { try WorkerRegistry.seen(request.worker, node: node, snapshot: nil, in: db, now: .storeNow) }
                return try RolloutQueue.claim(request, in: db, now: .storeNow)
            }
            if recordSeen { workersSeen[request.worker] = (node, .now) }
            return claims
        }
    }

    public distributed func markRunning(_ attempt: AttemptID) async throws -> ReportAnswer {
        try admit(.markRunning)
        return try await report(.running, about: attempt)
    }

    public distributed func heartbeat(_ attempt: AttemptID) async throws -> ReportAnswer {
        try admit(.heartbeat)
        return try await report(.heartbeat, about: attempt)
    }

    public distributed func complete(_ attempt: AttemptID, _ outcome: AttemptOutcome) async throws -> ReportAnswer {
        try admit(.complete)
        return try await report(.ended(outcome), about: attempt)
    }

    public distributed func addSpans(_ spans: [Span], to attempt: AttemptID) async throws -> SpanReceipt {
        try admit(.addSpans)
        guard spans.count <= limits.maximumSpansPerBatch else {
            throw StoreError(.invalidArgument, "spans: \(spans.count) spans exceed the limit of \(limits.maximumSpansPerBatch) per batch")
        }
        _ = watchCaller()
        // Coded here, so that the single writer thread only inserts.
        let rows = spans.map { SpanLog.Entry(name: $0.name, body: Data($0.compactBytes())) }
        let (receipt, result) = try await write { db in try SpanLog.add(rows, to: attempt, in: db, now: .storeNow) }
        handle(result, about: attempt)
        return receipt
    }

    public distributed func cancel(_ rollouts: [RolloutID]) async throws -> Int {
        try admit(.cancel)
        try checkBatch(rollouts.count, "rollouts")
        let cancelled = try await write { db in try RolloutQueue.cancel(rollouts, in: db, now: .storeNow) }
        settledRollouts(cancelled)
        return cancelled.count
    }

    public distributed func rollout(_ id: RolloutID) async throws -> RolloutDetail {
        try admit(.rollout)
        return try await database.read { db in
            guard let rollout = try RolloutQueue.rollout(id, in: db) else { throw StoreError(.notFound, "no rollout \(id)") }
            return RolloutDetail(rollout: rollout, attempts: try AttemptLedger.attempts(of: id, in: db))
        }
    }

    public distributed func rollouts(_ query: RolloutQuery) async throws -> Page<Rollout> {
        try admit(.rollouts)
        try checkPage(query.page)
        return try await database.read { db in try RolloutQueue.list(query, in: db) }
    }

    public distributed func completions(_ request: CompletionsRequest) async throws -> CompletionBatch {
        try admit(.completions)
        try checkBatch(request.limit, "limit", allowEmpty: false)
        return try await longPoll(.completions, wait: request.wait, until: { !$0.completions.isEmpty }) {
            try await database.read { db in
                try CompletionLog.read(after: request.after, experiment: request.experiment, limit: request.limit, in: db)
            }
        }
    }

    public distributed func spans(_ query: SpanQuery) async throws -> Page<StoredSpan> {
        try admit(.spans)
        try checkPage(query.page)
        return try await database.read { db in try SpanLog.list(query, in: db) }
    }

    // MARK: Resources

    public distributed func publish(_ publication: ResourcePublication) async throws -> ResourceSnapshot {
        try admit(.publish)
        let limits = limits
        let snapshot = try await write { db in
            try ResourceRegistry.publish(publication, limits: limits, in: db, now: .storeNow)
        }
        logger.info("published resources", metadata: ["snapshot": "\(snapshot.id)", "names": "\(snapshot.resources.keys.sorted())"])
        return snapshot
    }

    public distributed func resources(_ id: ResourceSnapshotID?) async throws -> ResourceSnapshot? {
        try admit(.resources)
        return try await database.read { db in
            guard let id else { return try ResourceRegistry.latest(in: db) }
            guard let snapshot = try ResourceRegistry.snapshot(id, in: db) else {
                throw StoreError(.notFound, "no resource snapshot \(id)")
            }
            return snapshot
        }
    }

    public distributed func resourceContent(hash: String) async throws -> Data {
        try admit(.resourceContent)
        return try await database.read { db in try ResourceRegistry.content(hash: hash, in: db) }
    }

    // MARK: Workers

    public distributed func register(_ registration: WorkerRegistration) async throws -> Worker {
        try admit(.register)
        let node = watchCaller()
        let worker = try await write { db in try WorkerRegistry.register(registration, node: node, in: db, now: .storeNow) }
        departedWorkers.remove(registration.id)
        logger.info("worker registered", metadata: ["worker": "\(worker.id)", "host": "\(worker.host)", "node": "\(node ?? "local")"])
        return worker
    }

    public distributed func workerHeartbeat(_ worker: WorkerID, _ snapshot: WorkerSnapshot) async throws {
        try admit(.workerHeartbeat)
        let node = watchCaller()
        try await write { db in try WorkerRegistry.seen(worker, node: node, snapshot: snapshot, in: db, now: .storeNow) }
    }

    public distributed func unregister(_ worker: WorkerID) async throws {
        try admit(.unregister)
        workersSeen[worker] = nil
        departedWorkers.insert(worker)
        let changed = try await write { db in
            try WorkerRegistry.setStatus(.left, of: worker, in: db)
            return try AttemptLedger.abandonAttempts(of: worker, in: db, now: .storeNow)
        }
        settledRollouts(changed)
    }

    public distributed func workers() async throws -> [Worker] {
        try admit(.workers)
        return try await database.read { db in try WorkerRegistry.all(in: db) }
    }

    // MARK: Experiments

    public distributed func submit(_ submission: ExperimentSubmission) async throws -> Experiment {
        try admit(.submit)
        let experiment = try await write { db in try ExperimentBook.submit(submission, in: db, now: .storeNow) }
        changed(.experiments)
        return experiment
    }

    public distributed func claimExperiment(trainer: String, wait: Duration) async throws -> Experiment? {
        try admit(.claimExperiment)
        guard !trainer.isEmpty else { throw StoreError(.invalidArgument, "trainer: must not be empty") }
        return try await longPoll(.experiments, wait: wait, until: { $0 != nil }) {
            try await write { db in try ExperimentBook.claim(trainer: trainer, in: db, now: .storeNow) }
        }
    }

    public distributed func experiment(_ id: ExperimentID) async throws -> Experiment {
        try admit(.experiment)
        return try await database.read { db in try ExperimentBook.experiment(id, in: db) }
    }

    public distributed func experiments(status: ExperimentStatus?) async throws -> [Experiment] {
        try admit(.experiments)
        return try await database.read { db in try ExperimentBook.all(status: status, in: db) }
    }

    public distributed func updateExperiment(_ id: ExperimentID, status: ExperimentStatus, message: String?) async throws -> Experiment {
        try admit(.updateExperiment)
        if status == .cancelled { return try await cancel(experiment: id) }
        return try await write { db in try ExperimentBook.update(id, to: status, message: message, in: db, now: .storeNow) }
    }

    public distributed func cancelExperiment(_ id: ExperimentID) async throws -> Experiment {
        try admit(.cancelExperiment)
        return try await cancel(experiment: id)
    }

    /// Cancels an experiment and its rollouts that are not final: for its submitter
    /// (`cancelExperiment`) and its trainer (`updateExperiment` to `cancelled`) alike.
    private func cancel(experiment id: ExperimentID) async throws -> Experiment {
        let (experiment, cancelled) = try await write { db in
            let now = Date.storeNow
            let experiment = try ExperimentBook.update(id, to: .cancelled, message: nil, in: db, now: now)
            let cancelled = try RolloutQueue.cancel(try ExperimentBook.openRollouts(of: id, in: db), in: db, now: now)
            return (experiment, cancelled)
        }
        settledRollouts(cancelled)
        return experiment
    }

    public distributed func reportMetrics(_ id: ExperimentID, _ points: [MetricPoint]) async throws {
        try admit(.reportMetrics)
        try checkBatch(points.count, "points")
        try await write { db in try ExperimentBook.addMetrics(points, to: id, in: db) }
    }

    public distributed func metrics(_ id: ExperimentID, afterStep: Int?) async throws -> [MetricPoint] {
        try admit(.metrics)
        return try await database.read { db in try ExperimentBook.metrics(of: id, afterStep: afterStep, in: db) }
    }

    public distributed func addCheckpoint(_ id: ExperimentID, _ checkpoint: Checkpoint) async throws {
        try admit(.addCheckpoint)
        try await write { db in try ExperimentBook.addCheckpoint(checkpoint, to: id, in: db) }
    }

    // MARK: Overview

    public distributed func statistics() async throws -> StoreStatistics {
        try admit(.statistics)
        let now = Date.storeNow
        var statistics = try await database.read { db in try StoreStatistics.read(in: db) }
        statistics.enqueuedPerSecond = enqueued.perSecond(at: now)
        statistics.settledPerSecond = settled.perSecond(at: now)
        return statistics
    }

    // MARK: Liveness

    /// Ends attempts past their timeout or liveness window (the timer's tick).
    private func sweep() async {
        do {
            let changed = try await write { db in try AttemptLedger.expire(in: db, now: .storeNow) }
            for rollout in changed {
                logger.notice("attempt ended by liveness", metadata: ["rollout": "\(rollout.id)", "status": "\(rollout.status)"])
            }
            settledRollouts(changed)
        } catch {
            logger.error("liveness sweep failed", metadata: ["error": "\(error)"])
        }
    }

    /// Whether a dequeue must record its worker as seen: not recorded in the last second from
    /// the same node.
    private func needsRecording(_ worker: WorkerID, from node: String?) -> Bool {
        guard let seen = workersSeen[worker], seen.node == node else { return true }
        return ContinuousClock.now - seen.at > .seconds(1)
    }

    /// Watches the node of a remote caller, so that its attempts end when it goes down (also
    /// after a restart of the store, from the first report it gets); answers the node as the
    /// database keeps it.
    private func watchCaller() -> String? {
        guard let caller = ZMQActorSystem.currentCaller, caller != actorSystem.node else { return nil }
        if watchedNodes.insert(caller).inserted {
            actorSystem.watch(node: caller) { [weak self] node in
                Task { await self?.whenLocal { await $0.nodeWentDown(node) } }
            }
        }
        return caller.description
    }

    private func nodeWentDown(_ node: NodeID) async {
        watchedNodes.remove(node)
        let now = ContinuousClock.now
        nodesDownAt = nodesDownAt.filter { now - $0.value <= limits.maximumWait }
        nodesDownAt[node] = now
        workersSeen = workersSeen.filter { $0.value.node != node.description }
        do {
            let changed = try await write { db in
                try WorkerRegistry.nodeDown(node.description, in: db)
                return try AttemptLedger.abandonAttempts(onNode: node.description, in: db, now: .storeNow)
            }
            logger.notice("worker node down", metadata: ["node": "\(node)", "attempts ended": "\(changed.count)"])
            settledRollouts(changed)
        } catch {
            logger.error("could not end the attempts of a node that went down", metadata: ["node": "\(node)", "error": "\(error)"])
        }
    }

    // MARK: Helpers

    private func report(_ report: AttemptReport, about attempt: AttemptID) async throws -> ReportAnswer {
        _ = watchCaller()
        let result = try await write { db in try AttemptLedger.apply(report, to: attempt, in: db, now: .storeNow) }
        handle(result, about: attempt)
        return result.answer
    }

    private func handle(_ result: ReportResult, about attempt: AttemptID) {
        if let reason = result.supersededBecause {
            logger.notice("stale report ignored", metadata: ["attempt": "\(attempt)", "reason": "\(reason)"])
        }
        if let change = result.changed { settledRollouts([change]) }
    }

    /// Wakes whoever waits on rollouts that were settled or requeued.
    private func settledRollouts(_ rollouts: [RolloutChange]) {
        let final = rollouts.filter(\.status.isFinal).count
        if final > 0 {
            settled.record(final, at: Date())
            changed(.completions)
        }
        if final < rollouts.count { changed(.work) }
    }

    /// Runs `body` in the next group commit and answers its result once committed.
    private func write<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await commits.write(body)
    }

    private func changed(_ topic: Topic) {
        waitLists[topic]!.changed()
    }

    /// Looks until `found` holds of what `look` answers, looking again after every change of
    /// `topic`, and answers the last look when `wait` (at most the store's maximum) has passed.
    private func longPoll<Result>(
        _ topic: Topic, wait: Duration, until found: (Result) -> Bool, _ look: () async throws -> Result
    ) async throws -> Result {
        let deadline = ContinuousClock.now + min(wait, limits.maximumWait)
        while true {
            // Read before looking: a change that lands while `look` runs moves it, and the wait
            // below then returns at once instead of missing that change.
            let generation = waitLists[topic]!.generation
            let result = try await look()
            if found(result) || ContinuousClock.now >= deadline { return result }
            await waitForChange(topic, since: generation, until: deadline)
        }
    }

    private func waitForChange(_ topic: Topic, since generation: UInt64, until deadline: ContinuousClock.Instant) async {
        guard waitLists[topic]!.generation == generation else { return }
        await withCheckedContinuation { continuation in
            waitLists[topic]!.add(continuation) { token in
                Task {
                    try? await Task.sleep(until: deadline)
                    self.expire(topic, token)
                }
            }
        }
    }

    private func expire(_ topic: Topic, _ token: UInt64) {
        waitLists[topic]!.expire(token)
    }

    private func checkBatch(_ count: Int, _ field: String, allowEmpty: Bool = true) throws {
        guard count <= limits.maximumBatch, allowEmpty || count > 0 else {
            throw StoreError(.invalidArgument, "\(field): \(count) is outside 1...\(limits.maximumBatch)")
        }
    }

    private func checkPage(_ page: PageRequest) throws {
        guard (1...limits.maximumPage).contains(page.limit) else {
            throw StoreError(.invalidArgument, "page.limit: \(page.limit) is outside 1...\(limits.maximumPage)")
        }
    }
}
