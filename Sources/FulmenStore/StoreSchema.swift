import GRDB

/// The versions of the store's schema. A migration, once released, never changes: a newer store
/// opens an older database by applying the migrations it lacks.
enum StoreSchema {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1", migrate: version1)
        return migrator
    }

    private static func version1(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE rollouts (
                seq INTEGER PRIMARY KEY,
                id TEXT NOT NULL UNIQUE,
                task TEXT NOT NULL,
                input BLOB NOT NULL,
                mode TEXT NOT NULL,
                resources INTEGER,
                timeout_ns INTEGER NOT NULL,
                liveness_window_ns INTEGER NOT NULL,
                max_attempts INTEGER NOT NULL,
                retry_on INTEGER NOT NULL,
                metadata BLOB,
                experiment TEXT,
                status TEXT NOT NULL,
                attempts INTEGER NOT NULL,
                enqueued_at REAL NOT NULL,
                updated_at REAL NOT NULL,
                settled_at REAL
            );
            CREATE INDEX rollouts_claimable ON rollouts(seq) WHERE status IN ('queuing', 'requeuing');
            CREATE INDEX rollouts_claimable_by_task ON rollouts(task, seq) WHERE status IN ('queuing', 'requeuing');
            CREATE INDEX rollouts_by_status ON rollouts(status, seq);
            CREATE INDEX rollouts_by_experiment ON rollouts(experiment, seq);

            CREATE TABLE attempts (
                id TEXT PRIMARY KEY,
                rollout TEXT NOT NULL,
                sequence INTEGER NOT NULL,
                worker TEXT NOT NULL,
                status TEXT NOT NULL,
                claimed_at REAL NOT NULL,
                started_at REAL,
                ended_at REAL,
                last_heartbeat REAL NOT NULL,
                liveness_window REAL NOT NULL,
                heartbeat_deadline REAL NOT NULL,
                deadline REAL NOT NULL,
                error TEXT,
                spans INTEGER NOT NULL DEFAULT 0,
                UNIQUE (rollout, sequence)
            ) WITHOUT ROWID;
            CREATE INDEX attempts_active ON attempts(worker) WHERE status IN ('preparing', 'running');

            CREATE TABLE spans (
                seq INTEGER PRIMARY KEY,
                attempt TEXT NOT NULL,
                number INTEGER NOT NULL,
                name TEXT NOT NULL,
                body BLOB NOT NULL,
                UNIQUE (attempt, number)
            );

            CREATE TABLE completions (
                position INTEGER PRIMARY KEY AUTOINCREMENT,
                rollout TEXT NOT NULL,
                experiment TEXT
            );
            CREATE INDEX completions_by_experiment ON completions(experiment, position);

            CREATE TABLE contents (
                hash TEXT PRIMARY KEY,
                kind TEXT NOT NULL,
                size INTEGER NOT NULL,
                data BLOB NOT NULL
            ) WITHOUT ROWID;
            CREATE TABLE snapshots (
                id INTEGER PRIMARY KEY,
                created_at REAL NOT NULL,
                resources BLOB NOT NULL
            );

            CREATE TABLE workers (
                id TEXT PRIMARY KEY,
                tasks BLOB NOT NULL,
                host TEXT NOT NULL,
                concurrency INTEGER NOT NULL,
                node TEXT,
                status TEXT NOT NULL,
                registered_at REAL NOT NULL,
                last_seen REAL NOT NULL,
                snapshot BLOB
            ) WITHOUT ROWID;

            CREATE TABLE experiments (
                seq INTEGER PRIMARY KEY,
                id TEXT NOT NULL UNIQUE,
                name TEXT NOT NULL,
                spec BLOB NOT NULL,
                status TEXT NOT NULL,
                trainer TEXT,
                message TEXT,
                submitted_at REAL NOT NULL,
                started_at REAL,
                ended_at REAL
            );
            CREATE TABLE metrics (
                experiment TEXT NOT NULL,
                step INTEGER NOT NULL,
                time REAL NOT NULL,
                "values" BLOB NOT NULL
            );
            CREATE INDEX metrics_by_experiment ON metrics(experiment, step);
            CREATE TABLE checkpoints (
                experiment TEXT NOT NULL,
                step INTEGER NOT NULL,
                location TEXT NOT NULL,
                resources INTEGER,
                created_at REAL NOT NULL
            );
            CREATE INDEX checkpoints_by_experiment ON checkpoints(experiment, step);
            """)
    }
}
