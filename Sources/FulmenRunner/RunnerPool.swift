public import FulmenCore
import Foundation
public import Logging
public import ServiceLifecycle
import ZMQActorSystem

/// One runner process's pool of concurrent episodes.
///
/// The pool registers with the store as a worker for the tasks its agents run, long-polls the store for
/// rollouts while it has free slots, and plays each claimed rollout as an episode of the task's agent. It
/// uploads each episode's spans in batches (which also count as heartbeats), heartbeats quiet episodes,
/// and completes each attempt as succeeded, or failed with the episode's error, and keeps going. When the
/// store answers that a rollout was cancelled (or its attempt superseded), the episode's task is cancelled.
///
/// Model calls of all episodes go to one local policy model, which batches them into shared forward passes;
/// its weights are fetched from the store by version when not cached.
///
/// ``shutdown(grace:)`` stops claiming, lets running episodes finish within the grace period, then hands the
/// rest back to the store (which retries them elsewhere) and unregisters.
public actor RunnerPool: Service {
    /// How a pool runs.
    public struct Configuration: Sendable {
        /// How many episodes run at once.
        public var concurrency: Int
        /// The worker id the pool registers under; by default `HOST-PID`.
        public var worker: WorkerID
        /// The host name the store shows for this worker.
        public var host: String
        /// How often quiet episodes send a heartbeat, and how often finished spans are uploaded.
        public var heartbeatInterval: Duration
        /// How long one long poll for work waits.
        public var dequeueWait: Duration
        /// How long running episodes may take to finish when the pool shuts down, before they are handed back.
        public var shutdownGrace: Duration
        public var inference: InferenceSettings

        public init(
            concurrency: Int = 8, worker: WorkerID? = nil, host: String? = nil,
            heartbeatInterval: Duration = .seconds(1), dequeueWait: Duration = .seconds(10),
            shutdownGrace: Duration = .seconds(30), inference: InferenceSettings = InferenceSettings()
        ) {
            let host = host ?? ProcessInfo.processInfo.hostName
            self.concurrency = concurrency
            self.worker = worker ?? WorkerID("\(host)-\(ProcessInfo.processInfo.processIdentifier)")
            self.host = host
            self.heartbeatInterval = heartbeatInterval
            self.dequeueWait = dequeueWait
            self.shutdownGrace = shutdownGrace
            self.inference = inference
        }
    }

    /// An episode the pool is running.
    private struct Running {
        let task: Task<EpisodeEnd, Never>
        let episode: Episode
        var lastContact: ContinuousClock.Instant
        /// The latest upload of its spans; the next waits for it, so spans arrive in the order they finished.
        var lastUpload: Task<ReportAnswer?, Never>?
        /// Why the episode was stopped before it ended, if it was; a stopped episode is not completed.
        var stopped: StopReason?

        enum StopReason {
            /// The store answered that the rollout was cancelled or the attempt superseded.
            case store(ReportAnswer)
            /// The pool shut down before the episode ended.
            case handedBack
        }
    }

    public nonisolated let configuration: Configuration
    /// The attempts playing now, as the pool's OpenAI-compatible endpoint (if it serves one) finds them.
    public nonisolated let attempts = AttemptDirectory()
    private let store: any RunnerStore
    private let agents: [String: HostedAgent]
    private let engine: PolicyEngine
    private let logger: Logger
    private let reports: StoreReports
    private var running: [AttemptID: Running] = [:]
    private var snapshots: [ResourceSnapshotID: Task<ResourceSnapshot?, any Error>] = [:]
    /// The claim loop, while it waits for a free slot.
    private var slotWaiter: CheckedContinuation<Void, Never>?
    /// The shutdown, while it waits for the last episode to end.
    private var idleWaiter: CheckedContinuation<Void, Never>?
    private var stopping = false
    private var claiming: Task<Void, Never>?
    /// Claims whose episodes are being prepared (resources fetched, the store told they run).
    private var preparing: Set<AttemptID> = []
    private var shutdownGrace: Duration = .zero
    private var counters = RunnerStatistics()

    /// - Parameters:
    ///   - store: the store to serve, e.g. `try $RunnerStore<ZMQActorSystem>.resolve(id: .wellKnown(StoreName.wellKnown,
    ///     at: endpoint), using: system)`.
    ///   - agents: the agents the pool hosts, one per task.
    /// - Throws: ``RunnerError`` when no agent is given, two agents run the same task, or the concurrency is
    ///   below 1.
    public init(
        store: any RunnerStore, agents: [any Agent], configuration: Configuration = Configuration(),
        logger: Logger = Logger(label: "fulmen.runner")
    ) throws(RunnerError) {
        if agents.isEmpty { throw .invalidConfiguration("a runner pool needs at least one agent") }
        if configuration.concurrency < 1 {
            throw .invalidConfiguration("concurrency must be at least 1, not \(configuration.concurrency)")
        }
        var hosted: [String: HostedAgent] = [:]
        for agent in agents {
            if hosted[agent.task] != nil { throw .invalidConfiguration("two agents run the task '\(agent.task)'") }
            hosted[agent.task] = HostedAgent(agent)
        }
        let reports = StoreReports(logger: logger)
        self.store = store
        self.agents = hosted
        self.configuration = configuration
        self.logger = logger
        self.reports = reports
        self.engine = PolicyEngine(settings: configuration.inference) { hash in
            try await reports.retrying("fetch weights \(hash.prefix(12))") { try await store.resourceContent(hash: hash) }
        }
        FulmenTracer.install()
    }

    /// The tasks the pool hosts.
    public nonisolated var tasks: [String] { agents.keys.sorted() }

    /// Serves the store until ``shutdown(grace:)`` is called, the service group it runs in shuts down
    /// gracefully (as ``shutdown(grace:)``: SIGTERM or Ctrl-C, when the group traps them), or the calling task
    /// is cancelled (which shuts down without grace).
    /// - Throws: when the store cannot be reached to register.
    public func run() async throws {
        let registration = WorkerRegistration(
            id: configuration.worker, tasks: tasks, host: configuration.host, concurrency: configuration.concurrency)
        _ = try await reports.retrying("register") { try await store.register(registration) }
        logger.info(
            "runner pool serving",
            metadata: [
                "worker": "\(configuration.worker)", "tasks": "\(tasks.joined(separator: ","))",
                "concurrency": "\(configuration.concurrency)",
            ])
        let ticker = Task { await tick() }
        await withGracefulShutdownHandler {
            await withTaskCancellationHandler {
                let claiming = Task { await claimLoop(registration) }
                self.claiming = claiming
                await claiming.value
            } onCancel: {
                Task { await self.shutdown(grace: .zero) }
            }
        } onGracefulShutdown: {
            Task { await self.shutdown() }
        }
        await drain()
        ticker.cancel()
        await ticker.value
        do {
            try await reports.retrying("unregister") { try await store.unregister(configuration.worker) }
        } catch {
            logger.warning("could not unregister; the store will notice this worker's silence", metadata: ["error": "\(error)"])
        }
        logger.info("runner pool stopped", metadata: ["episodes": "\(counters.finished)"])
    }

    /// Stops claiming work; running episodes get `grace` (by default the configured one) to finish before
    /// they are handed back to the store. ``run()`` returns when that is done.
    public func shutdown(grace: Duration? = nil) {
        if stopping { return }
        stopping = true
        shutdownGrace = grace ?? configuration.shutdownGrace
        logger.info("runner pool shutting down", metadata: ["running": "\(running.count)"])
        claiming?.cancel()
        slotWaiter?.resume()
        slotWaiter = nil
    }

    /// What the pool has done so far.
    public func statistics() async -> RunnerStatistics {
        var statistics = counters
        statistics.running = running.count
        statistics.weightFetches = await engine.weightFetches
        statistics.inference = engine.inferenceStatistics
        return statistics
    }

    // MARK: Claiming

    private func claimLoop(_ registration: WorkerRegistration) async {
        while !stopping {
            let free = configuration.concurrency - running.count - preparing.count
            if free <= 0 {
                await withCheckedContinuation { slotWaiter = $0 }
                continue
            }
            let request = DequeueRequest(
                worker: configuration.worker, tasks: tasks, limit: free, wait: configuration.dequeueWait)
            let claims: [Claim]
            do {
                claims = try await CallOptions.withTimeout(configuration.dequeueWait + .seconds(10)) {
                    try await store.dequeue(request)
                }
            } catch is CancellationError {
                return
            } catch let error where StoreReports.isUnknownWorker(error) {
                logger.warning("the store does not know this worker (did it restart?): registering again")
                _ = try? await reports.retrying("register") { try await store.register(registration) }
                continue
            } catch {
                logger.warning("dequeue failed; retrying", metadata: ["error": "\(error)"])
                try? await Task.sleep(for: .seconds(1))
                continue
            }
            counters.claimed += claims.count
            for claim in claims { start(claim) }
        }
    }

    // MARK: Episodes

    private func start(_ claim: Claim) {
        preparing.insert(claim.attempt)
        counters.started += 1
        Task { await self.prepareAndPlay(claim) }
    }

    /// Fetches what the episode needs, tells the store it runs, plays it, and reports how it ended.
    private func prepareAndPlay(_ claim: Claim) async {
        guard let agent = agents[claim.rollout.task] else {
            await finishUnplayable(claim, error: "\(EpisodeError.unknownTask(claim.rollout.task, hosted: tasks))")
            return
        }
        let resources: PinnedResources
        do {
            resources = PinnedResources(snapshot: try await snapshot(claim.rollout.resources))
        } catch {
            let id = claim.rollout.resources.map(String.init) ?? "-"
            await finishUnplayable(claim, error: "cannot read resource snapshot \(id): \(error)")
            return
        }
        let answer = try? await reports.retrying("mark running") { try await store.markRunning(claim.attempt) }
        guard answer == .accepted, !stopping else {
            if stopping { counters.handedBack += 1 } else { counters.cancelled += 1 }
            logger.info(
                "attempt dropped before it started",
                metadata: ["attempt": "\(claim.attempt)", "answer": "\(answer.map(\.rawValue) ?? "none")"])
            release(claim.attempt)
            return
        }
        let episode = Episode(
            agent: agent, rollout: claim.rollout, attempt: claim.attempt, resources: resources, engine: engine,
            directory: attempts)
        let task = Task { await episode.play() }
        preparing.remove(claim.attempt)
        running[claim.attempt] = Running(task: task, episode: episode, lastContact: .now)
        let end = await task.value
        await finish(claim.attempt, end: end)
    }

    private func finish(_ attempt: AttemptID, end: EpisodeEnd) async {
        _ = uploadSpans(attempt)
        if let answer = await running[attempt]?.lastUpload?.value, answer != .accepted {
            stop(attempt, because: .store(answer))
        }
        switch (running[attempt]?.stopped, end) {
        case (.handedBack?, _):
            counters.handedBack += 1
        case (.store?, _), (nil, .cancelled):
            counters.cancelled += 1
        case (nil, .succeeded):
            await complete(attempt, .succeeded)
            counters.succeeded += 1
        case (nil, .failed(let message)):
            logger.info("episode failed", metadata: ["attempt": "\(attempt)", "error": "\(message)"])
            await complete(attempt, .failed(error: message))
            counters.failed += 1
        }
        release(attempt)
    }

    private func complete(_ attempt: AttemptID, _ outcome: AttemptOutcome) async {
        do {
            let answer = try await reports.retrying("complete") { try await store.complete(attempt, outcome) }
            if answer != .accepted {
                logger.info("completion not taken", metadata: ["attempt": "\(attempt)", "answer": "\(answer.rawValue)"])
            }
        } catch {
            logger.error("could not complete attempt", metadata: ["attempt": "\(attempt)", "error": "\(error)"])
        }
    }

    /// Fails an attempt the pool cannot play (no agent for its task, unreadable resources).
    private func finishUnplayable(_ claim: Claim, error: String) async {
        logger.warning("cannot play rollout", metadata: ["rollout": "\(claim.rollout.id)", "error": "\(error)"])
        await complete(claim.attempt, .failed(error: error))
        counters.failed += 1
        release(claim.attempt)
    }

    /// Frees an episode's slot.
    private func release(_ attempt: AttemptID) {
        running[attempt] = nil
        preparing.remove(attempt)
        slotWaiter?.resume()
        slotWaiter = nil
        if isIdle {
            idleWaiter?.resume()
            idleWaiter = nil
        }
    }

    private func snapshot(_ id: ResourceSnapshotID?) async throws -> ResourceSnapshot? {
        guard let id else { return nil }
        if let fetching = snapshots[id] { return try await fetching.value }
        let store = self.store
        let reports = self.reports
        let fetching = Task { try await reports.retrying("read snapshot \(id)") { try await store.resources(id) } }
        snapshots[id] = fetching
        if snapshots.count > 64, let oldest = snapshots.keys.min() { snapshots[oldest] = nil }
        do {
            return try await fetching.value
        } catch {
            snapshots[id] = nil
            throw error
        }
    }

    // MARK: Heartbeats and spans

    /// Uploads finished spans and heartbeats quiet episodes, every heartbeat interval, until cancelled.
    private func tick() async {
        var lastWorkerBeat = ContinuousClock.now
        while !Task.isCancelled {
            try? await Task.sleep(for: configuration.heartbeatInterval)
            await withDiscardingTaskGroup { group in
                for attempt in running.keys {
                    group.addTask { await self.report(attempt) }
                }
            }
            if ContinuousClock.now - lastWorkerBeat >= .seconds(10) {
                lastWorkerBeat = .now
                let snapshot = WorkerSnapshot(
                    runningEpisodes: running.count, loadAverage: ProcessLoad.loadAverage,
                    residentBytes: ProcessLoad.residentBytes)
                try? await store.workerHeartbeat(configuration.worker, snapshot)
            }
        }
    }

    /// Uploads an episode's finished spans, or heartbeats it if it has none and was quiet for an interval,
    /// and stops it when the store says so.
    private func report(_ attempt: AttemptID) async {
        guard let entry = running[attempt], entry.stopped == nil else { return }
        let answer: ReportAnswer?
        if let upload = uploadSpans(attempt) {
            answer = await upload.value
        } else if ContinuousClock.now - entry.lastContact >= configuration.heartbeatInterval {
            running[attempt]?.lastContact = .now
            answer = try? await store.heartbeat(attempt)
        } else {
            return
        }
        if let answer, answer != .accepted { stop(attempt, because: .store(answer)) }
    }

    /// Starts uploading an episode's finished spans once its previous upload is done; `nil` when there are none.
    private func uploadSpans(_ attempt: AttemptID) -> Task<ReportAnswer?, Never>? {
        guard let entry = running[attempt] else { return nil }
        let spans = entry.episode.recorder.takeFinished()
        if spans.isEmpty { return nil }
        let (store, reports, previous, logger) = (self.store, self.reports, entry.lastUpload, self.logger)
        let upload = Task<ReportAnswer?, Never> {
            _ = await previous?.value
            do {
                return try await reports.retrying("upload spans") { try await store.addSpans(spans, to: attempt) }.answer
            } catch {
                logger.error(
                    "spans lost: the store did not take them",
                    metadata: ["attempt": "\(attempt)", "spans": "\(spans.count)", "error": "\(error)"])
                return nil
            }
        }
        running[attempt]?.lastUpload = upload
        running[attempt]?.lastContact = .now
        counters.spans += spans.count
        return upload
    }

    /// Cancels an episode's task; it will not be completed.
    private func stop(_ attempt: AttemptID, because reason: Running.StopReason) {
        guard let entry = running[attempt], entry.stopped == nil else { return }
        if case .store(let answer) = reason {
            logger.info("stopping episode", metadata: ["attempt": "\(attempt)", "answer": "\(answer.rawValue)"])
        }
        running[attempt]?.stopped = reason
        entry.task.cancel()
    }

    // MARK: Shutdown

    /// Waits up to the grace period for running episodes, then cancels the rest, which are handed back: left
    /// unfinished, so that unregistering makes the store retry them elsewhere.
    private func drain() async {
        if isIdle { return }
        let grace = shutdownGrace
        let timer = Task {
            try? await Task.sleep(for: grace)
            self.handBackRunning()
        }
        await withCheckedContinuation { idleWaiter = $0 }
        timer.cancel()
    }

    private var isIdle: Bool { running.isEmpty && preparing.isEmpty }

    private func handBackRunning() {
        for attempt in running.keys { stop(attempt, because: .handedBack) }
    }
}

/// Why a runner pool could not start.
public enum RunnerError: Error, Sendable, Equatable, CustomStringConvertible {
    case invalidConfiguration(String)

    public var description: String {
        switch self {
        case .invalidConfiguration(let message): "runner pool: \(message)"
        }
    }
}
