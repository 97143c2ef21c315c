import Foundation
import SQLKit

/// Schema changes, in order. Applied inside one transaction together with their rows in
/// `schema_migrations`, so a crash mid-migration leaves the previous schema intact.
///
/// Invariants: ids only grow; an applied migration is never edited (add a new one instead);
/// every statement is valid in both SQLite and PostgreSQL.
struct Migration: Sendable {
    let id: Int
    let name: String
    let statements: [String]
}

enum Migrations {
    /// Bucket width of `usage_rollups` in seconds. Every real-world UTC offset is a multiple
    /// of 15 minutes, so local days in any time zone are whole numbers of buckets.
    static let bucketSeconds: Int64 = 900

    static let all: [Migration] = [
        Migration(id: 1, name: "requests and usage_rollups", statements: [
            """
            CREATE TABLE IF NOT EXISTS requests (
                request_id TEXT NOT NULL PRIMARY KEY,
                started_at_ms BIGINT NOT NULL,
                client TEXT,
                inbound TEXT NOT NULL,
                route TEXT NOT NULL,
                pool TEXT NOT NULL,
                upstream TEXT,
                requested_model TEXT,
                served_model TEXT,
                status BIGINT NOT NULL,
                attempts BIGINT NOT NULL,
                duration_seconds DOUBLE PRECISION NOT NULL,
                ttfb_seconds DOUBLE PRECISION,
                input_tokens BIGINT,
                output_tokens BIGINT,
                cache_write_tokens BIGINT,
                cache_write_5m_tokens BIGINT,
                cache_write_1h_tokens BIGINT,
                cache_read_tokens BIGINT,
                reasoning_tokens BIGINT,
                streamed BOOLEAN NOT NULL,
                partial BOOLEAN NOT NULL,
                client_cancelled BOOLEAN NOT NULL,
                error_label TEXT
            )
            """,
            "CREATE INDEX IF NOT EXISTS requests_started_at ON requests (started_at_ms)",
            """
            CREATE TABLE IF NOT EXISTS usage_rollups (
                bucket_start BIGINT NOT NULL,
                model TEXT NOT NULL,
                requested_model TEXT NOT NULL,
                upstream TEXT NOT NULL,
                client TEXT NOT NULL,
                requests BIGINT NOT NULL,
                failed_requests BIGINT NOT NULL,
                partial_requests BIGINT NOT NULL,
                unknown_usage_requests BIGINT NOT NULL,
                input_tokens BIGINT NOT NULL,
                output_tokens BIGINT NOT NULL,
                cache_write_tokens BIGINT NOT NULL,
                cache_write_1h_tokens BIGINT NOT NULL,
                cache_read_tokens BIGINT NOT NULL,
                reasoning_tokens BIGINT NOT NULL,
                PRIMARY KEY (bucket_start, model, requested_model, upstream, client)
            )
            """,
        ]),
        Migration(id: 2, name: "usage_daily in the configured time zone", statements: [
            """
            CREATE TABLE IF NOT EXISTS usage_daily (
                local_day BIGINT NOT NULL,
                model TEXT NOT NULL,
                requested_model TEXT NOT NULL,
                upstream TEXT NOT NULL,
                client TEXT NOT NULL,
                requests BIGINT NOT NULL,
                failed_requests BIGINT NOT NULL,
                partial_requests BIGINT NOT NULL,
                unknown_usage_requests BIGINT NOT NULL,
                input_tokens BIGINT NOT NULL,
                output_tokens BIGINT NOT NULL,
                cache_write_tokens BIGINT NOT NULL,
                cache_write_1h_tokens BIGINT NOT NULL,
                cache_read_tokens BIGINT NOT NULL,
                reasoning_tokens BIGINT NOT NULL,
                PRIMARY KEY (local_day, model, requested_model, upstream, client)
            )
            """,
            "CREATE TABLE IF NOT EXISTS usage_meta (key TEXT NOT NULL PRIMARY KEY, value TEXT NOT NULL)",
        ]),
    ]

    /// Applies every migration not yet recorded. Safe to run from several processes at once:
    /// PostgreSQL serializes on an advisory lock, SQLite on `BEGIN IMMEDIATE`.
    static func apply(on backend: StorageBackend, postgresSchema: String?) async throws -> [Int] {
        try await backend.writeTransaction { db in
            if backend.isPostgres {
                try await db.raw("SELECT pg_advisory_xact_lock(\(literal: 5_101_001))").run()
                if let schema = postgresSchema {
                    try await db.raw("CREATE SCHEMA IF NOT EXISTS \(ident: schema)").run()
                }
            }
            try await db.raw("""
                CREATE TABLE IF NOT EXISTS schema_migrations (
                    id BIGINT NOT NULL PRIMARY KEY,
                    name TEXT NOT NULL,
                    applied_at_ms BIGINT NOT NULL
                )
                """).run()
            let applied = Set(try await db.raw("SELECT id FROM schema_migrations").all(decodingColumn: "id", as: Int.self))
            var newlyApplied: [Int] = []
            for migration in all where !applied.contains(migration.id) {
                for statement in migration.statements {
                    try await db.raw(SQLQueryString(statement)).run()
                }
                let now = Int64((Date().timeIntervalSince1970 * 1000).rounded())
                try await db.raw("""
                    INSERT INTO schema_migrations (id, name, applied_at_ms)
                    VALUES (\(bind: migration.id), \(bind: migration.name), \(bind: now))
                    """).run()
                newlyApplied.append(migration.id)
            }
            return newlyApplied
        }
    }
}
