import Foundation

/// Wall-clock time for extraction windows. Injected so tests move time instead of waiting.
public protocol WallClock: Sendable {
    func now() -> Date
    /// Returns at `date` (or at once when it has passed); throws on cancellation.
    func sleep(until date: Date) async throws
}

public struct SystemWallClock: WallClock {
    public init() {}
    public func now() -> Date { Date() }
    public func sleep(until date: Date) async throws {
        let s = date.timeIntervalSinceNow
        if s > 0 { try await Task.sleep(for: .milliseconds(Int64((s * 1000).rounded(.up)))) }
    }
}

/// A daily change window in local time of a zone, e.g. `22:00-05:30` Europe/Berlin: open from the
/// start minute (inclusive) to the end minute (exclusive); a start after the end spans midnight.
/// Local time follows the zone's daylight-saving rules (a window is always the same wall-clock
/// hours, whatever the UTC offset that day).
public struct ExtractionWindow: Sendable, Hashable, CustomStringConvertible {
    /// Minutes after local midnight.
    public let start: Int
    public let end: Int
    public let zone: TimeZone
    /// The zone as the user named it (Foundation reports "UTC" as "GMT").
    public let zoneName: String

    public init(start: Int, end: Int, zone: TimeZone, zoneName: String? = nil) {
        self.start = start
        self.end = end
        self.zone = zone
        self.zoneName = zoneName ?? zone.identifier
    }

    /// Parses `HH:MM-HH:MM`; `zone` is an IANA name (default: the system's zone).
    public init(parsing text: String, zone: String? = nil) throws {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        func minutes(_ s: Substring) -> Int? {
            let hm = s.trimmingCharacters(in: .whitespaces).split(separator: ":", omittingEmptySubsequences: false)
            guard hm.count == 2, hm[1].count == 2, let h = Int(hm[0]), let m = Int(hm[1]),
                  (0...24).contains(h), (0...59).contains(m), h * 60 + m <= 1440 else { return nil }
            return h * 60 + m
        }
        guard parts.count == 2, let a = minutes(parts[0]), let b = minutes(parts[1]) else {
            throw WindowError.badWindow(text)
        }
        guard a % 1440 != b % 1440 else { throw WindowError.emptyWindow(text) }
        let tz: TimeZone
        if let zone {
            guard let z = TimeZone(identifier: zone) else { throw WindowError.badZone(zone) }
            tz = z
        } else {
            tz = .current
        }
        self.init(start: a % 1440, end: b % 1440, zone: tz, zoneName: zone)
    }

    public var description: String { "\(Self.hhmm(start))-\(Self.hhmm(end)) \(zoneName)" }

    static func hhmm(_ m: Int) -> String { String(format: "%02d:%02d", m / 60, m % 60) }

    private var calendar: Calendar {
        var c = Calendar(identifier: .gregorian)
        c.timeZone = zone
        return c
    }

    /// Local minute of the day at `date`.
    func minuteOfDay(_ date: Date) -> Int {
        let c = calendar.dateComponents([.hour, .minute], from: date)
        return (c.hour ?? 0) * 60 + (c.minute ?? 0)
    }

    public func isOpen(at date: Date) -> Bool {
        let m = minuteOfDay(date)
        return start < end ? (m >= start && m < end) : (m >= start || m < end)
    }

    /// `date` when open, else the first whole minute after it at which the window is open.
    /// Walks minute by minute (at most two days), which is simple and right across DST changes.
    public func nextOpening(after date: Date) -> Date {
        if isOpen(at: date) { return date }
        var t = (date.timeIntervalSinceReferenceDate / 60).rounded(.down) * 60
        for _ in 0..<(3 * 1440) {
            t += 60
            let d = Date(timeIntervalSinceReferenceDate: t)
            if isOpen(at: d) { return d }
        }
        return date  // unreachable for a non-empty window
    }

    /// The instant as local time of the window's zone, for messages.
    public func local(_ date: Date) -> String {
        let f = ISO8601DateFormatter()
        f.timeZone = zone
        f.formatOptions = [.withInternetDateTime]
        return f.string(from: date)
    }
}

public enum WindowError: LocalizedError, Sendable, Equatable {
    case badWindow(String)
    case emptyWindow(String)
    case badZone(String)

    public var errorDescription: String? {
        switch self {
        case .badWindow(let w): return "--window \(w.debugDescription) is not HH:MM-HH:MM (24-hour local times, e.g. 22:00-05:30)"
        case .emptyWindow(let w): return "--window \(w.debugDescription) starts and ends at the same minute; give a window that is open for some time"
        case .badZone(let z): return "--window-zone \(z.debugDescription) is not an IANA time zone (e.g. Europe/Berlin, America/New_York, UTC)"
        }
    }
}

/// The window as one connection applies it: checked right before every request (retries included).
struct WindowGate: Sendable {
    let window: ExtractionWindow
    let clock: any WallClock
    /// Sleep until the next opening instead of stopping.
    let wait: Bool
    let log: @Sendable (String) -> Void

    /// Returns when a request may be sent now; throws `windowClosed` when closed and not waiting.
    func admit(run: Int64?) async throws {
        while true {
            let now = clock.now()
            if window.isOpen(at: now) { return }
            let next = window.nextOpening(after: now)
            guard wait else {
                throw ExtractError.windowClosed(window: window.description, nextOpening: window.local(next), run: run)
            }
            log("extraction window \(window) closed; waiting until \(window.local(next))")
            try await clock.sleep(until: next)
        }
    }
}
