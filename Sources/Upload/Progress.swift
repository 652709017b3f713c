import Common
import Foundation
import GenesysCloud
#if canImport(Glibc)
import Glibc
#endif

/// How a command reports while it runs.
public enum ProgressMode: Sendable, Equatable {
    /// Nothing while running.
    case quiet
    /// A live line per phase on stderr (only when stderr is a terminal; otherwise one line per phase).
    case terminal
    /// JSON lines on stdout: `{"event": "phase_start" | "phase_end" | "step" | …}`.
    case json
}

/// Request counters kept from the client's events (for progress, summaries and the benchmark).
public struct RequestStats: Sendable, Codable, Hashable {
    public var requests = 0
    public var mutating = 0
    public var byStatus: [String: Int] = [:]
    public var transportErrors = 0
    public var rateLimited = 0
    public var rateLimitWaitMs = 0
    public var backoffs = 0
    public var tokensMinted = 0
    public var tokenRejected = 0

    enum CodingKeys: String, CodingKey {
        case requests, mutating, backoffs
        case byStatus = "by_status"
        case transportErrors = "transport_errors"
        case rateLimited = "rate_limited"
        case rateLimitWaitMs = "rate_limit_wait_ms"
        case tokensMinted = "tokens_minted"
        case tokenRejected = "token_rejected"
    }
}

/// Collects client events and renders progress. Thread-safe; `event` is called from the client.
public final class ProgressReporter: Sendable {
    private struct State {
        var stats = RequestStats()
        var phase = 0
        var phaseTotal = 0
        var phaseDone = 0
        var phaseFailed = 0
        var phaseStarted = ContinuousClock.now
        var lastRender = ContinuousClock.now
        var recent: [ContinuousClock.Instant] = []
        var waitingUntil: ContinuousClock.Instant?
    }

    public let mode: ProgressMode
    private let isTTY: Bool
    private let state: Locked<State>
    private let output: (@Sendable (String) -> Void)?

    /// `output` receives JSON lines in `.json` mode (default: stdout).
    public init(mode: ProgressMode, output: (@Sendable (String) -> Void)? = nil) {
        self.mode = mode
        self.isTTY = isatty(2) == 1
        self.state = Locked(State())
        self.output = output
    }

    public var stats: RequestStats { state.withLock { $0.stats } }

    /// The client's event hook.
    public func event(_ e: ClientEvent) {
        state.withLock { s in
            switch e {
            case .attempt(let a):
                s.stats.requests += 1
                if a.method != .GET && !(a.method == .POST && a.pathTemplate.hasSuffix("/search")) { s.stats.mutating += 1 }
                if let st = a.status { s.stats.byStatus[String(st), default: 0] += 1 } else { s.stats.transportErrors += 1 }
                if a.status == 429 { s.stats.rateLimited += 1 }
                let now = ContinuousClock.now
                s.recent.append(now)
                if s.recent.count > 2_000 { s.recent.removeFirst(s.recent.count - 2_000) }
            case .waiting(let w):
                if w.reason == .rateLimited {
                    s.stats.rateLimitWaitMs += Int(w.duration.components.seconds * 1000) + Int(w.duration.components.attoseconds / 1_000_000_000_000_000)
                    s.waitingUntil = ContinuousClock.now + w.duration
                } else {
                    s.stats.backoffs += 1
                }
            case .tokenMinted:
                s.stats.tokensMinted += 1
            case .tokenRejected:
                s.stats.tokenRejected += 1
            }
        }
        renderIfDue()
    }

    public func phaseStarted(_ phase: Int, total: Int) {
        state.withLock { s in
            s.phase = phase
            s.phaseTotal = total
            s.phaseDone = 0
            s.phaseFailed = 0
            s.phaseStarted = ContinuousClock.now
        }
        emitJSON(["event": "phase_start", "phase": .int(Int64(phase)), "steps": .int(Int64(total))])
        renderIfDue(force: true)
    }

    public func stepsFinished(_ n: Int, failed: Int) {
        state.withLock { s in
            s.phaseDone += n
            s.phaseFailed += failed
        }
        renderIfDue()
    }

    public func phaseFinished(_ phase: Int, state phaseState: PhaseState) {
        let (done, failed, total, elapsed) = state.withLock { s in (s.phaseDone, s.phaseFailed, s.phaseTotal, ContinuousClock.now - s.phaseStarted) }
        emitJSON(["event": "phase_end", "phase": .int(Int64(phase)), "state": .string(phaseState.rawValue),
                  "done": .int(Int64(done)), "failed": .int(Int64(failed)), "steps": .int(Int64(total)),
                  "seconds": .double((Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18).rounded(toPlaces: 3))])
        if mode == .terminal {
            let line = render() + "  \(phaseState.rawValue)"
            FileHandle.standardError.write(Data(((isTTY ? "\r\u{1B}[K" : "") + line + "\n").utf8))
        }
    }

    /// A free-form notice (resolution by lookup, breaker, …).
    public func note(_ text: String) {
        switch mode {
        case .quiet: return
        case .json: emitJSON(["event": "note", "message": .string(text)])
        case .terminal: FileHandle.standardError.write(Data(((isTTY ? "\r\u{1B}[K" : "") + text + "\n").utf8))
        }
    }

    public func emitJSON(_ o: JSONValue) {
        guard mode == .json else { return }
        let line = o.canonicalText()
        if let output { output(line) } else { FileHandle.standardOutput.write(Data((line + "\n").utf8)) }
    }

    private func renderIfDue(force: Bool = false) {
        guard mode == .terminal, isTTY else { return }
        let due = state.withLock { s -> Bool in
            let now = ContinuousClock.now
            guard force || now - s.lastRender > .milliseconds(250) else { return false }
            s.lastRender = now
            return true
        }
        if due { FileHandle.standardError.write(Data(("\r\u{1B}[K" + render()).utf8)) }
    }

    /// `phase 3: 120/400 (2 failed)  212 req/min  waiting 2.0 s (rate limit)  ETA 1m20s`
    func render() -> String {
        state.withLock { s in
            let now = ContinuousClock.now
            let window = s.recent.filter { now - $0 < .seconds(30) }
            let span = max(1.0, min(30.0, seconds(now - s.phaseStarted)))
            let rate = Double(window.count) / span * 60
            var line = "phase \(s.phase): \(s.phaseDone)/\(s.phaseTotal)"
            if s.phaseFailed > 0 { line += " (\(s.phaseFailed) failed)" }
            line += "  \(Int(rate)) req/min"
            if let w = s.waitingUntil, w > now { line += String(format: "  waiting %.1f s (rate limit)", seconds(w - now)) }
            let elapsed = seconds(now - s.phaseStarted)
            if s.phaseDone > 0, s.phaseDone < s.phaseTotal {
                let eta = elapsed / Double(s.phaseDone) * Double(s.phaseTotal - s.phaseDone)
                line += "  ETA \(Int(eta) / 60)m\(String(format: "%02d", Int(eta) % 60))s"
            }
            return line
        }
    }

    private func seconds(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18 }
}

/// A value behind a lock (the GenesysCloud one is internal).
final class Locked<Value>: @unchecked Sendable {  // every access goes through `lock`
    private let lock = NSLock()
    private var value: Value
    init(_ value: Value) { self.value = value }
    func withLock<R>(_ body: (inout Value) throws -> R) rethrows -> R {
        lock.lock(); defer { lock.unlock() }
        return try body(&value)
    }
}

extension Double {
    func rounded(toPlaces p: Int) -> Double {
        let m = pow(10.0, Double(p))
        return (self * m).rounded() / m
    }
}
