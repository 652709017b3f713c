import Testing
@testable import Migration

@Suite struct ScheduleTests {
    typealias P = HolidayTime.Point

    /// EU clocks go forward on 2026-03-29 at 02:00 local. A holiday spanning that day keeps its
    /// local wall-clock times; only the elapsed length (and the UTC audit instants) show the change.
    @Test func holidayAcrossSpringForwardKeepsLocalTimes() throws {
        let w = try HolidayTime.window(year: 2026, start: P(month: 3, day: 28, hour: 0, minute: 0),
                                       end: P(month: 3, day: 29, hour: 23, minute: 59), zone: "Europe/Berlin").get()
        #expect(w.startLocal == "2026-03-28T00:00:00.000")
        #expect(w.endLocal == "2026-03-30T00:00:00.000")
        #expect(w.startUTC == "2026-03-27T23:00:00Z")  // UTC+1 before the change
        #expect(w.endUTC == "2026-03-29T22:00:00Z")    // UTC+2 after it
        #expect(w.elapsedSeconds == 47 * 3600)        // two calendar days, one hour short
    }

    @Test func usFallBack() throws {
        let w = try HolidayTime.window(year: 2026, start: P(month: 11, day: 1, hour: 0, minute: 0),
                                       end: P(month: 11, day: 1, hour: 23, minute: 59), zone: "America/New_York").get()
        #expect(w.startLocal == "2026-11-01T00:00:00.000")
        #expect(w.endLocal == "2026-11-02T00:00:00.000")
        #expect(w.elapsedSeconds == 25 * 3600)
    }

    @Test func windowAcrossNewYear() throws {
        let w = try HolidayTime.window(year: 2026, start: P(month: 12, day: 31, hour: 12, minute: 0),
                                       end: P(month: 1, day: 1, hour: 23, minute: 59), zone: "UTC").get()
        #expect(w.endLocal == "2027-01-02T00:00:00.000")
    }

    @Test func impossibleDatesAndZonesFail() {
        #expect(throws: HolidayTime.Failure.self) {
            try HolidayTime.window(year: 2026, start: P(month: 2, day: 30, hour: 0, minute: 0),
                                   end: P(month: 3, day: 1, hour: 0, minute: 0), zone: "UTC").get()
        }
        #expect(throws: HolidayTime.Failure.self) {
            try HolidayTime.window(year: 2026, start: P(month: 1, day: 1, hour: 0, minute: 0),
                                   end: P(month: 1, day: 1, hour: 1, minute: 0), zone: "Mars/Base").get()
        }
    }
}
