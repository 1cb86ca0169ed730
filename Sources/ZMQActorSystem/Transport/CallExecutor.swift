import Synchronization

/// Runs received calls on the node's I/O thread, where they arrive.
///
/// A call's task prefers this executor, so the thread that read the call also decodes it, runs
/// the target actor (a default actor runs where its caller's task runs) and sends the reply,
/// with no hand-over to another thread on the way. The I/O thread runs the queued jobs each time
/// round its loop. Work that resumes a call later (after an `await`) comes back here too;
/// actors with an executor of their own run their code on it as usual.
///
/// Once the I/O thread has stopped, jobs go to the global concurrent executor, so no call is
/// stranded.
final class CallExecutor: TaskExecutor {
    private struct Queue {
        var jobs: [UnownedJob] = []
        var stopped = false
    }

    private let queue = Mutex(Queue())
    /// Wakes the I/O thread if it sleeps (`ZMQActorSystem.wakeIOThread`).
    private let wake: @Sendable () -> Void

    init(wake: @escaping @Sendable () -> Void) {
        self.wake = wake
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let queued = queue.withLock { queue in
            if queue.stopped { return false }
            queue.jobs.append(job)
            return true
        }
        if queued {
            wake()
        } else {
            globalConcurrentExecutor.enqueue(job)
        }
    }

    /// Whether jobs wait; read by the I/O thread after it announced it will sleep, so that a job
    /// queued meanwhile is either seen here or wakes it.
    var hasJobs: Bool {
        queue.withLock { !$0.jobs.isEmpty }
    }

    /// Runs queued jobs on the I/O thread, and the jobs they queue in turn (a call hops to its
    /// actor and back), until none is left or `limit` have run, so that input keeps being read
    /// while many calls run.
    func runQueuedJobs(limit: Int = 256) {
        let executor = asUnownedTaskExecutor()
        var run = 0
        while run < limit {
            var jobs: [UnownedJob] = []
            queue.withLock { swap(&jobs, &$0.jobs) }
            if jobs.isEmpty { return }
            for job in jobs { job.runSynchronously(on: executor) }
            run += jobs.count
        }
    }

    /// Hands every queued and later job to the global concurrent executor (the I/O thread is
    /// stopping).
    func stop() {
        let jobs = queue.withLock { queue in
            queue.stopped = true
            defer { queue.jobs.removeAll() }
            return queue.jobs
        }
        for job in jobs { globalConcurrentExecutor.enqueue(job) }
    }
}
