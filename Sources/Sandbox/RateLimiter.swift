import Foundation

/// Per-token request budget (§4): sliding (a log of the last window's requests) or fixed window,
/// plus lower per-endpoint budgets for the same token.
struct RateLimiter: Sendable {
    struct Window: Sendable {
        // Sliding: timestamps in the window, oldest first, from `head`.
        var times: [Double] = []
        var head = 0
        // Fixed: the current window's start and count.
        var start: Double = 0
        var count = 0

        var live: Int { times.count - head }

        mutating func prune(now: Double, window: Double) {
            while head < times.count && times[head] <= now - window { head += 1 }
            if head > 1024 && head * 2 > times.count { times.removeFirst(head); head = 0 }
        }
    }

    struct Decision {
        var limit: Int
        var window: Double
        var count: Int
        var reset: Int
        var retryAfter: Int?
        var headers: [(String, String)] {
            [("inin-ratelimit-count", String(count)), ("inin-ratelimit-allowed", String(limit)),
             ("inin-ratelimit-reset", String(reset))]
        }
    }

    let config: RateLimitConfig
    var windows: [String: Window] = [:]

    init(config: RateLimitConfig) { self.config = config }

    /// Admits or refuses one request. Refused requests do not use budget.
    mutating func admit(token: String, method: String, path: String, now: Double) -> Decision {
        guard config.enabled else {
            return Decision(limit: config.requestsPerWindow, window: config.windowSeconds, count: 0, reset: Int(config.windowSeconds))
        }
        var checks: [(String, Int, Double)] = [(token, config.requestsPerWindow, config.windowSeconds)]
        for (i, l) in config.endpointLimits.enumerated() where l.matches(method: method, path: path) {
            checks.append(("\(token)|\(i)", l.limit, l.windowSeconds))
        }
        // All budgets must have room; only then is the request counted against each.
        var refused: Decision?
        for (key, limit, window) in checks {
            let d = peek(key, limit: limit, window: window, now: now)
            if d.retryAfter != nil && refused == nil { refused = d }
        }
        if var r = refused {
            // Headers describe the token budget; Retry-After the budget that refused.
            let tokenState = peek(token, limit: config.requestsPerWindow, window: config.windowSeconds, now: now)
            r.count = tokenState.count
            r.reset = max(r.reset, tokenState.reset)
            return r
        }
        var out: Decision?
        for (key, limit, window) in checks {
            let d = take(key, limit: limit, window: window, now: now)
            if out == nil { out = d }
        }
        return out ?? Decision(limit: config.requestsPerWindow, window: config.windowSeconds, count: 0, reset: 0)
    }

    private mutating func peek(_ key: String, limit: Int, window: Double, now: Double) -> Decision {
        // Moved out and back, not copied: a copy would duplicate the whole log (copy-on-write).
        var w = windows.removeValue(forKey: key) ?? Window()
        let count: Int, reset: Double
        switch config.mode {
        case .sliding:
            w.prune(now: now, window: window)
            count = w.live
            reset = count == 0 ? window : w.times[w.head] + window - now
        case .fixed:
            if now >= w.start + window { w.start = now; w.count = 0 }
            count = w.count
            reset = w.start + window - now
        }
        windows[key] = w
        let r = max(1, Int(reset.rounded(.up)))
        return Decision(limit: limit, window: window, count: count, reset: r, retryAfter: count >= limit ? r : nil)
    }

    private mutating func take(_ key: String, limit: Int, window: Double, now: Double) -> Decision {
        var w = windows.removeValue(forKey: key) ?? Window()
        switch config.mode {
        case .sliding: w.times.append(now)
        case .fixed: w.count += 1
        }
        windows[key] = w
        // This request was admitted; a full budget only refuses the next one.
        var d = peek(key, limit: limit, window: window, now: now)
        d.retryAfter = nil
        return d
    }
}
