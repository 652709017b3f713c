import Foundation

/// A request budget: at most `perSecond` requests start per second, spaced evenly (one every
/// 1/perSecond s), so a source that must not be hammered (a PBX) never sees a burst. Retries
/// count against the budget like any other request.
public actor RequestBudget {
    public let perSecond: Double
    private let interval: Duration
    private var next: ContinuousClock.Instant?

    public init(perSecond: Double) {
        self.perSecond = max(perSecond, 0.01)
        interval = .nanoseconds(Int64(1e9 / max(perSecond, 0.01)))
    }

    /// Waits for this request's slot. Slots are handed out in call order, so concurrent callers
    /// never share one.
    public func acquire() async throws {
        let now = ContinuousClock.now
        let slot = max(now, next ?? now)
        next = slot + interval
        if slot > now { try await Task.sleep(until: slot, clock: .continuous) }
    }
}

/// Exponential backoff with full jitter, honouring `Retry-After`: the wait before retry n
/// (1-based) is uniform in 0…min(maxDelay, baseDelay × 2^(n-1)), or the server's Retry-After
/// when it gave one (capped at `maxRetryAfter`).
public struct BackoffPolicy: Sendable, Hashable {
    public var maxAttempts: Int
    public var baseDelay: Duration
    public var maxDelay: Duration
    public var maxRetryAfter: Duration

    public init(maxAttempts: Int = 6, baseDelay: Duration = .milliseconds(500), maxDelay: Duration = .seconds(30),
                maxRetryAfter: Duration = .seconds(120)) {
        self.maxAttempts = max(1, maxAttempts)
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
        self.maxRetryAfter = maxRetryAfter
    }

    public func delay(retry n: Int, retryAfter: Duration?, using rng: inout some RandomNumberGenerator) -> Duration {
        if let r = retryAfter { return min(r, maxRetryAfter) }
        let cap = min(maxDelay.seconds, baseDelay.seconds * pow(2, Double(max(0, n - 1))))
        return .nanoseconds(Int64(Double.random(in: 0...max(cap, 0), using: &rng) * 1e9))
    }

    /// `Retry-After` as seconds or an HTTP date; nil when absent or unusable.
    public static func retryAfter(_ headers: HTTPHeaders, now: Date = Date()) -> Duration? {
        guard let v = headers["Retry-After"]?.trimmingCharacters(in: .whitespaces), !v.isEmpty else { return nil }
        if let s = Double(v), s >= 0 { return .nanoseconds(Int64(s * 1e9)) }
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "GMT")
        f.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        guard let d = f.date(from: v) else { return nil }
        return .nanoseconds(Int64(max(0, d.timeIntervalSince(now)) * 1e9))
    }
}
