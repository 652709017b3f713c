import Foundation

/// Holiday rows → Architect schedule times [schedule.holiday]. Architect schedules are local
/// wall-clock times; the IANA zone lives on the schedule group, so daylight-saving changes are the
/// platform's business (NOTES.md 12). UTC instants are computed only for the audit trail.
public enum HolidayTime {
    public struct Window: Sendable, Hashable {
        /// `yyyy-MM-ddTHH:mm:ss.SSS`, no zone.
        public var startLocal: String
        public var endLocal: String
        /// ISO-8601 UTC instants of the same window, for the diff log only.
        public var startUTC: String
        public var endUTC: String
        /// Length in real elapsed seconds (differs from the wall-clock length across a DST change).
        public var elapsedSeconds: Int
    }

    public enum Failure: Error, Equatable, Sendable, CustomStringConvertible {
        case invalidDate(String)
        case unknownZone(String)

        public var description: String {
            switch self {
            case .invalidDate(let s): return "\(s) is not a calendar date and time"
            case .unknownZone(let z): return "\(z) is not an IANA time zone"
            }
        }
    }

    public struct Point: Sendable, Hashable {
        public var month, day, hour, minute: Int
        public init(month: Int, day: Int, hour: Int, minute: Int) {
            self.month = month; self.day = day; self.hour = hour; self.minute = minute
        }
    }

    /// A window in `year`; an end earlier in the year than the start runs into the next year
    /// (Dec 31 → Jan 1). An end minute of :59 is inclusive in CM, so the window ends a minute later.
    public static func window(year: Int, start: Point, end: Point, zone: String) -> Result<Window, Failure> {
        guard let tz = TimeZone(identifier: zone) else { return .failure(.unknownZone(zone)) }
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = tz
        func date(_ y: Int, _ p: Point) -> Date? {
            let c = DateComponents(year: y, month: p.month, day: p.day, hour: p.hour, minute: p.minute)
            guard c.isValidDate(in: cal), (0...23).contains(p.hour), (0...59).contains(p.minute) else { return nil }
            return cal.date(from: c)
        }
        let endYear = (end.month, end.day, end.hour, end.minute) < (start.month, start.day, start.hour, start.minute) ? year + 1 : year
        guard let s = date(year, start) else { return .failure(.invalidDate(describe(year, start))) }
        guard var e = date(endYear, end) else { return .failure(.invalidDate(describe(endYear, end))) }
        var endPoint = end
        var endY = endYear
        if end.minute == 59 {
            e = e.addingTimeInterval(60)
            let c = cal.dateComponents([.year, .month, .day, .hour, .minute], from: e)
            endPoint = Point(month: c.month ?? end.month, day: c.day ?? end.day, hour: c.hour ?? end.hour, minute: c.minute ?? 0)
            endY = c.year ?? endYear
        }
        let iso = ISO8601DateFormatter()
        iso.timeZone = TimeZone(identifier: "UTC")
        iso.formatOptions = [.withInternetDateTime]
        return .success(Window(startLocal: local(year, start), endLocal: local(endY, endPoint),
                               startUTC: iso.string(from: s), endUTC: iso.string(from: e),
                               elapsedSeconds: Int(e.timeIntervalSince(s))))
    }

    /// CM holiday rows carry no year and repeat every year: the recurrence Architect gets.
    public static let yearly = "FREQ=YEARLY"

    /// The first occurrence of a yearly row in `year` or later: normally `year` itself; a row on
    /// 29 February starts in the next leap year (a yearly rule then skips the other years, as
    /// RFC 5545 drops invalid dates).
    public static func firstOccurrence(fromYear year: Int, start: Point, end: Point, zone: String) -> Result<Window, Failure> {
        var first: Result<Window, Failure>?
        for y in year..<(year + 8) {
            let w = window(year: y, start: start, end: end, zone: zone)
            if case .success = w { return w }
            if case .failure(.unknownZone) = w { return w }
            if first == nil { first = w }
        }
        return first ?? window(year: year, start: start, end: end, zone: zone)
    }

    static func local(_ y: Int, _ p: Point) -> String {
        String(format: "%04d-%02d-%02dT%02d:%02d:00.000", y, p.month, p.day, p.hour, p.minute)
    }

    static func describe(_ y: Int, _ p: Point) -> String {
        String(format: "%04d-%02d-%02d %02d:%02d", y, p.month, p.day, p.hour, p.minute)
    }
}
