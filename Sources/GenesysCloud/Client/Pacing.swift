import Common
import Foundation

/// Client-side rate pacing for one OAuth token (Genesys limits per token; research §4).
public struct PacingConfiguration: Sendable, Hashable {
    /// Steady rate. Default 270/min, below the documented 300/min per client-credentials token.
    public var requestsPerMinute: Int = 270
    /// Requests allowed back to back before the steady rate applies. Rate + burst stays under the
    /// platform limit in any one-minute window.
    public var burst: Int = 10
    /// Lower the rate to `headroom` × `inin-ratelimit-allowed` when the configured rate and burst
    /// do not fit in the allowance the platform announces, and pause until
    /// `inin-ratelimit-reset` when `inin-ratelimit-count` reaches the allowance.
    public var adaptToHeaders: Bool = true
    public var headroom: Double = 0.9

    public init(requestsPerMinute: Int = 270, burst: Int = 10) {
        self.requestsPerMinute = requestsPerMinute
        self.burst = burst
    }
}

/// The pacing arithmetic (a generic cell-rate algorithm), kept pure so tests can drive time.
public struct PacingState: Sendable {
    public private(set) var configuration: PacingConfiguration
    /// The rate in force (configured, or lowered by the server's headers).
    public private(set) var rate: Int
    private var tat: Duration = .zero  // theoretical arrival time of the next request
    private var pausedUntil: Duration = .zero

    public init(_ configuration: PacingConfiguration) {
        self.configuration = configuration
        self.rate = max(1, configuration.requestsPerMinute)
    }

    private var interval: Duration { .seconds(60) / rate }

    /// Reserves the next send slot at or after `now`; returns the wait until it.
    public mutating func reserve(now: Duration) -> Duration {
        let tolerance = interval * max(0, configuration.burst)
        let send = max(now, pausedUntil, tat - tolerance)
        tat = max(tat, send) + interval
        return send - now
    }

    /// Holds every request until `until` (a 429's Retry-After, or an exhausted window).
    public mutating func pause(until: Duration) {
        pausedUntil = max(pausedUntil, until)
    }

    /// Reads `inin-ratelimit-count`, `-allowed`, `-reset` (seconds).
    public mutating func observe(_ headers: HTTPHeaders, now: Duration) {
        guard configuration.adaptToHeaders,
              let allowed = headers["inin-ratelimit-allowed"].flatMap(Double.init), allowed > 0 else { return }
        // The pacer never sends more than rate + burst + 1 in any 60 s: when that fits in the
        // allowance, the configured rate stands (an explicit --rate 29 100 against 30 000 is kept);
        // otherwise the rate drops to the headroom share of the allowance.
        let configured = max(1, configuration.requestsPerMinute)
        let fits = Double(configured + max(0, configuration.burst) + 1) <= allowed
        rate = fits ? configured : max(1, min(configured, Int(allowed * configuration.headroom)))
        if let count = headers["inin-ratelimit-count"].flatMap(Double.init), count >= allowed - 1,
           let reset = headers["inin-ratelimit-reset"].flatMap(Double.init), reset > 0, reset <= 3_600 {
            pause(until: now + .milliseconds(Int(reset * 1000)))
        }
    }
}

/// The pacer shared by every request that uses one token.
public actor Pacer {
    private var state: PacingState
    private let clock: ClientClock

    public init(_ configuration: PacingConfiguration = .init(), clock: ClientClock = .system) {
        state = PacingState(configuration)
        self.clock = clock
    }

    /// Reserves a slot; the caller sleeps for the returned duration (outside the actor).
    public func reserve() -> Duration { state.reserve(now: clock.now()) }
    public func pause(for d: Duration) { state.pause(until: clock.now() + d) }
    public func observe(_ headers: HTTPHeaders) { state.observe(headers, now: clock.now()) }
    public var rate: Int { state.rate }
}

/// When and how long to retry (research §4: Go SDK and CX as Code behaviour).
public struct RetryPolicy: Sendable, Hashable {
    /// Attempts in all, the first included. A 401 answered by one re-mint does not count.
    public var maxAttempts: Int = 6
    /// Backoff: full jitter, uniform in 0…min(maxDelay, baseDelay × 2^(n-1)).
    public var baseDelay: Duration = .milliseconds(500)
    public var maxDelay: Duration = .seconds(30)
    /// A 429 asking for longer than this fails with `retryAfterTooLong` (the Go SDK gives up above 180 s).
    public var maxRetryAfter: Duration = .seconds(180)
    /// Wait after a 429 without a usable `Retry-After`.
    public var defaultRetryAfter: Duration = .seconds(3)
    /// Statuses retried for idempotent requests (501 is not: it will not change).
    public var retryableStatuses: Set<Int> = [408, 429, 500, 502, 503, 504]
    /// Statuses that prove a request was not processed, so even a POST create may be repeated.
    /// Other 5xx answers to a non-idempotent request are `outcomeUnknown`.
    public var notProcessedStatuses: Set<Int> = [429, 503]

    public init() {}

    public func backoff(attempt: Int, using rng: inout some RandomNumberGenerator) -> Duration {
        let exp = min(max(attempt - 1, 0), 30)
        let cap = min(maxDelay, baseDelay * (1 << exp))
        let ms = cap.wholeMillisecondsValue
        guard ms > 0 else { return .zero }
        return .milliseconds(Int.random(in: 0...ms, using: &rng))
    }

    /// `Retry-After` as seconds (fractions accepted) or an HTTP date; nil when absent or unusable.
    public static func retryAfter(_ headers: HTTPHeaders, now: Date = Date()) -> Duration? {
        guard let raw = headers["retry-after"]?.trimmingCharacters(in: .whitespaces), !raw.isEmpty else { return nil }
        if let s = Double(raw), s.isFinite, s >= 0 { return .milliseconds(Int((s * 1000).rounded())) }
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "GMT")
        f.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        guard let date = f.date(from: raw) else { return nil }
        return .milliseconds(max(0, Int((date.timeIntervalSince(now) * 1000).rounded())))
    }
}

extension Duration {
    var wholeMillisecondsValue: Int {
        let (s, atto) = components
        return Int(s) * 1000 + Int(atto / 1_000_000_000_000_000)
    }
}
