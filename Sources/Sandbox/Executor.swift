import Common

/// The in-process sandboxes run on threads of their own, never on Swift's cooperative pool: a
/// caller that blocks pool threads would otherwise starve the server that must answer, and the
/// request times out after minutes. Every connection handler Hummingbird starts under
/// `group.run()` inherits the preference. Public for tests that must react to the sandbox in time
/// (kill a client after N requests): their own polling, run here, is not delayed by a starved pool.
public enum SandboxExecutor {
    public static let shared = ThreadExecutor(label: "cm2gc.sandbox")
}
