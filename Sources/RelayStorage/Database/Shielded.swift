/// Runs `operation` so that cancellation of the caller does not reach it.
///
/// Why: NIO's thread pool (under every SQLite call) fails at once with `CancellationError` in
/// a cancelled task, yet two things must still happen after a hard shutdown: the ledger's
/// final drain, and closing SQLite handles (sqlite-nio asserts that a connection was closed
/// before it is freed). The task is awaited right here, never left running on its own.
func shielded<T: Sendable>(_ operation: @Sendable @escaping () async throws -> T) async throws -> T {
    try await Task { try await operation() }.value
}
