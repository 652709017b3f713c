import AvayaCM
import Common
import Foundation
import GenesysCloud

extension Context {
    func phonePolicy(setType: String?) -> MappingConfig.PhonePolicy {
        guard let t = setType?.uppercased() else { return config.phones.default }
        if let exact = config.phones.setTypes.first(where: { $0.key.uppercased() == t }) { return exact.value }
        // Longest pattern wins, so `*SIPCC` beats `*SIP`; ties by name for determinism.
        let matches = config.phones.setTypes.filter { pattern, _ in
            let p = pattern.uppercased()
            if p.hasPrefix("*") { return t.hasSuffix(p.dropFirst()) }
            if p.hasSuffix("*") { return t.hasPrefix(p.dropLast()) }
            return false
        }
        return matches.max { ($0.key.count, $1.key) < ($1.key.count, $0.key) }?.value ?? config.phones.default
    }

    /// `Port: X`: administered without hardware.
    static func withoutHardware(_ st: Station) -> Bool {
        guard let port = st.port else { return false }
        // Ports are ASCII (`01A0101`, `S00012`, `X`): compared on bytes, Foundation otherwise.
        guard ASCIIName.isASCII(port) else { return port.trimmingCharacters(in: .whitespaces).uppercased() == "X" }
        let bytes = Array(port.utf8)
        let t = ASCIIName.trimmed(bytes[...])
        return t.count == 1 && (t.first == UInt8(ascii: "X") || t.first == UInt8(ascii: "x"))
    }

    /// [station.phone] and [station.lines].
    mutating func phones() {
        // Each station's phones (payloads and their contract checks) on every core; the sink gets
        // the calls in station order, as from the serial loop this replaces.
        let stations = sortedStations
        let withUser = stations.indices.compactMap { i in userForStation[stations[i].0].map { (i, $0) } }
        let ctx = self
        var baseSettingsUsed: Set<String> = []
        everyCore(withUser, { i, user in ctx.phoneOps(ext: stations[i].0, station: stations[i].1, user: user) }) { made in
            if let base = made.base { baseSettingsUsed.insert(base) }
            for op in made.ops { sink.apply(op) }
        }
        // The first station (plain string order, all stations) whose policy uses each base.
        var firstStationFor: [String: String] = [:]
        if !baseSettingsUsed.isEmpty {
            for k in model.stations.keys.sorted() {
                guard let st = model.stations[k], !Self.withoutHardware(st),
                      let b = phonePolicy(setType: st.setType).baseSettings, firstStationFor[b] == nil else { continue }
                firstStationFor[b] = k
                if baseSettingsUsed.allSatisfy({ firstStationFor[$0] != nil }) { break }
            }
        }
        for base in baseSettingsUsed.sorted() {
            let meta = config.phones.metaBases[base] ?? base
            let webrtc = (Array(config.phones.setTypes.values) + [config.phones.default]).contains { $0.baseSettings == base && $0.kind == .webrtc }
            // Properties as the platform's template writes them: {"<name>": {"value": {"instance": …}}}.
            let payload: JSONValue = ["name": .string(base), "phoneMetaBase": ["id": .string(meta)],
                                      "lines": [["name": .string("\(base) line")]],
                                      "properties": ["phone_maxLineKeys": ["value": ["instance": .int(Int64(maxLineKeys(base: base, webrtc: webrtc)))]]]]
            let firstStation = firstStationFor[base] ?? ""
            sink.add(type: .phoneBaseSettings, key: LogicalRef.makeKey(base), payload: payload, rule: "station.phone", kind: .station,
                     id: firstStation, digest: nil, reason: "phone base settings \(base) (model \(meta)) for the phones that use it")
        }
    }

    /// The sink calls for one station's phones, in the order the serial loop made them, and the
    /// phone base settings they use.
    func phoneOps(ext: String, station st: Station, user: String) -> (ops: [SinkOp], base: String?) {
        if Self.withoutHardware(st) {
            // CM keeps the extension (coverage, bridging, later hardware) with no set behind it.
            return ([exceptionOp(rule: "station.phone", kind: .station, id: ext, .review,
                                "station \(ext) (\(st.setType ?? "?")) is administered without hardware (Port X): a user, no phone",
                                hint: "add a phone by hand if the person needs one")], nil)
        }
        let policy = phonePolicy(setType: st.setType)
        guard policy.kind != .none, let base = policy.baseSettings else {
            return ([exceptionOp(rule: "station.phone", kind: .station, id: ext, .review,
                                "station \(ext) (\(st.setType ?? "?")) gets no phone by policy (virtual or mobile set)", hint: nil)], nil)
        }
        let baseKey = LogicalRef.makeKey(base)
        let appearances = max(st.callAppearanceCount, 1)
        // Never more lines than the base settings' phone_maxLineKeys; a WebRTC phone has one
        // line (it carries concurrent calls) and a person has one WebRTC phone ("This person is
        // already assigned to a WebRTC phone", help.mypurecloud.com FAQ), so it is not split.
        let perPhone = maxLineKeys(base: base, webrtc: policy.kind == .webrtc)
        let phoneCount = policy.kind == .webrtc ? 1 : (appearances + perPhone - 1) / perPhone
        // The line base settings of the phone base settings: the uploader resolves this
        // reference, in a `lineBaseSettings`, to the id of the base settings' first line.
        let lineBase: JSONValue = ["id": .string(ref(.phoneBaseSettings, baseKey))]
        let display = st.name.map(PersonName.display) ?? ext
        var ops: [SinkOp] = []
        for i in 0..<phoneCount {
            let lines = min(perPhone, appearances - i * perPhone)
            let name = phoneCount == 1 ? "\(display) (\(ext))" : "\(display) (\(ext)) \(i + 1)"
            var payload: [String: JSONValue] = [
                "name": .string(name),
                "site": ["id": .string(external(.sites, config.phones.site))],
                "phoneBaseSettings": ["id": .string(ref(.phoneBaseSettings, baseKey))],
                "lineBaseSettings": lineBase,
                "lines": .array((1...lines).map { n in ["name": .string("\(ext)-\(i * perPhone + n)"), "lineBaseSettings": lineBase] }),
            ]
            if policy.kind == .webrtc { payload["webRtcUser"] = ["id": .string(ref(.users, user))] }
            let reason = phoneCount == 1
                ? "\(st.setType ?? "unknown") set → \(policy.kind.rawValue) phone with \(lines) line(s)"
                    + (appearances > lines ? " (\(appearances) call appearances; \(base) allows \(perPhone) line key(s))" : "")
                : "\(appearances) call appearances split over \(phoneCount) phones of at most \(perPhone) lines (phone_maxLineKeys of \(base)): phone \(i + 1) has \(lines)"
            ops.append(.add(.init(type: .phones, key: "\(user)-\(i + 1)", payload: .object(payload),
                                  rule: phoneCount == 1 ? "station.phone" : "station.lines",
                                  kind: .station, id: ext, digest: stationDigests[ext] ?? recordDigest(st), reason: reason,
                                  sink: sink)))
        }
        if policy.kind == .webrtc {
            ops.append(exceptionOp(rule: "station.phone", kind: .station, id: ext, .review,
                                  "station \(ext) is a \(st.setType ?? "non-SIP") set; the hardware cannot move, the user gets a WebRTC phone",
                                  hint: nil))
        }
        return (ops, base)
    }

    /// Line keys of a phone base settings (`phone_maxLineKeys`): 1 for WebRTC (Genesys's
    /// WebRTC template; terraform-provider-genesyscloud examples), else `phones.linesPerPhone`.
    func maxLineKeys(base: String, webrtc: Bool) -> Int {
        let meta = config.phones.metaBases[base] ?? base
        if webrtc || meta.contains("webrtc") { return 1 }
        return max(config.phones.linesPerPhone, 1)
    }

    /// [schedule.holiday]: one holiday schedule per row, one schedule group per table.
    mutating func holidays() {
        let site = config.site(forLocation: nil)
        for (k, t) in Self.sorted(model.holidayTables) {
            var refs: [JSONValue] = []
            for (i, e) in t.entries.enumerated() {
                let w = HolidayTime.firstOccurrence(fromYear: holidayYear,
                                           start: .init(month: e.startMonth, day: e.startDay, hour: e.startHour, minute: e.startMinute),
                                           end: .init(month: e.endMonth, day: e.endDay, hour: e.endHour, minute: e.endMinute),
                                           zone: site.timeZone)
                switch w {
                case .success(let w):
                    let key = "holiday-\(t.number)-\(i + 1)"
                    let name = "\(t.name ?? "Holidays \(t.number)") \(i + 1): \(e.description ?? "holiday")"
                    if sink.add(type: .schedules, key: key,
                                payload: ["name": .string(name), "start": .string(w.startLocal), "end": .string(w.endLocal),
                                          "rrule": .string(HolidayTime.yearly),
                                          "description": .string("Avaya holiday table \(t.number) row \(i + 1), every year; first UTC \(w.startUTC) – \(w.endUTC)")],
                                rule: "schedule.holiday", kind: .holidayTable, id: k, digest: recordDigest(t),
                                reason: "\(e.description ?? "holiday") \(w.startLocal) – \(w.endLocal) local (\(site.timeZone)), recurring yearly") {
                        refs.append(["id": .string(ref(.schedules, key))])
                    }
                case .failure(let f):
                    sink.exception(rule: "schedule.holiday", kind: .holidayTable, id: k, .rejected,
                                   "holiday table \(t.number) row \(i + 1): \(f)", hint: "fix the row in CM or set holidayYear")
                }
            }
            if refs.isEmpty {
                sink.exception(rule: "schedule.holiday", kind: .holidayTable, id: k, .manual, "holiday table \(t.number) has no usable rows")
                continue
            }
            sink.add(type: .scheduleGroups, key: "holidays-\(t.number)",
                     payload: ["name": .string(t.name ?? "Holidays \(t.number)"), "timeZone": .string(site.timeZone), "holidaySchedules": .array(refs)],
                     rule: "schedule.holiday", kind: .holidayTable, id: k, digest: recordDigest(t),
                     reason: "holiday table \(t.number) becomes a schedule group in \(site.timeZone) with \(refs.count) holiday schedules")
        }
    }

    /// [announcement.prompt]: the prompt exists, the audio does not travel in an export.
    mutating func announcements() {
        var names = UniqueNamer()
        for (k, a) in Self.sorted(model.announcements) {
            // Prompt names: letters, digits and underscores only (Architect's rule).
            let base = LogicalRef.makeKey(a.name ?? "announcement_\(k)").replacingOccurrences(of: "-", with: "_").replacingOccurrences(of: ".", with: "_")
            let (name, _) = names.claim(base.first?.isLetter == true ? base : "a_\(base)")
            if sink.add(type: .prompts, key: "ann-\(LogicalRef.makeKey(k))",
                        payload: ["name": .string(name), "description": .string("Avaya announcement \(k) (\(a.type ?? "?") \(a.source ?? ""))")],
                        rule: "announcement.prompt", kind: .announcement, id: k, digest: recordDigest(a),
                        reason: "announcement \(k) becomes prompt \(name) without audio") {
                sink.exception(rule: "announcement.prompt", kind: .announcement, id: k, .approximated,
                               "prompt \(name) has no audio: recordings are not in a CM export",
                               hint: "upload the audio for \(a.source ?? "the announcement board") before the flows go live")
            }
        }
    }

    /// [cor.policy] [cos.policy] [pickup.group]: no target; listed for a person.
    mutating func policies() {
        for (k, c) in Self.sorted(model.cors) {
            let users = index.stationsPerCOR[c.number] ?? 0
            sink.exception(rule: "cor.policy", kind: .cor, id: k, .manual,
                           "COR \(c.number) \(c.description ?? "") (FRL \(c.frl.map(String.init) ?? "?")) restricts \(users) stations; Genesys uses outbound routes and roles",
                           hint: "map calling permissions to roles/outbound routes by hand")
        }
        for (k, c) in Self.sorted(model.coses) {
            let features = c.permissions.filter(\.value).keys.sorted()
            sink.exception(rule: "cos.policy", kind: .cos, id: k, .manual,
                           "COS \(c.number) grants \(features.isEmpty ? "no features" : features.joined(separator: ", ")); features have no per-class Genesys equivalent")
        }
        for (k, p) in Self.sorted(model.pickupGroups) {
            sink.exception(rule: "pickup.group", kind: .pickupGroup, id: k, .manual,
                           "pickup group \(p.number) \(p.name ?? "") with members \(p.members.joined(separator: ", ")) has no Genesys equivalent",
                           hint: "use a group with group ring, or Genesys call pickup where licensed")
        }
    }

    /// Numbering tables are consumed by the DID rule; the dial plan is reference data.
    mutating func numberingAndDialPlan() {
        let site = config.site(forLocation: nil)
        for (k, p) in Self.sorted(model.publicNumbering) {
            let row = "\(p.extensionLength)/\(p.extensionCode)"
            let reason: String
            if !PublicNumberingTable.allTrunks(p) {
                reason = "numbering row \(row) applies only to calls over trunk group(s) \(p.trunkGroups ?? ""); it gives no station a DID"
            } else if p.cpnLength == 0 {
                reason = "numbering row \(row) has CPN length 0: extensions it wins for send no number and get no DID"
            } else {
                let prefix = p.cpnPrefix ?? ""
                let sample = PublicNumberingTable.cpn(for: String(repeating: "0", count: p.extensionLength), row: p) ?? prefix
                let f = PublicNumberingTable.format(prefix: prefix, cpn: sample, site: site, override: config.cpnFormats[row])
                reason = "numbering row \(row) → \(prefix.isEmpty ? "no prefix" : prefix) (\(p.cpnLength.map { "\($0) digits" } ?? "no length"), \(f?.rawValue ?? "ambiguous: set cpnFormats") at site \(config.defaultSite)) builds the DIDs of the extensions it matches longest"
            }
            sink.exclude(rule: "station.did", kind: .publicNumbering, id: k, digest: recordDigest(p), reason: reason)
        }
        // An override naming no row would silently do nothing.
        let rows = Set(model.publicNumbering.values.filter(PublicNumberingTable.allTrunks).map { "\($0.extensionLength)/\($0.extensionCode)" })
        for key in config.cpnFormats.keys.sorted() where !rows.contains(key) {
            sink.configException(rule: "station.did", path: "cpnFormats.\(key)",
                                 "cpnFormats names row \(key), which is not a public-unknown-numbering row for all trunks in the inputs",
                                 hint: "use <ext len>/<ext code> of a row with blank trunk groups")
        }
        for (k, d) in Self.sorted(model.dialPlan) {
            sink.exclude(rule: "extension.pool", kind: .dialPlan, id: k, digest: recordDigest(d),
                         reason: "dial plan entry \(d.dialedString) (\(d.callType), \(d.totalLength) digits) is reference data; pools come from migrated extensions")
        }
    }

    /// [extension.pool] [did.pool]: covering ranges, split at gaps larger than the limit.
    mutating func pools() {
        let exts = Set(migratedExtensions)
        var byLength: [Int: [Int]] = [:]
        for e in exts { if let n = Int(e) { byLength[e.count, default: []].append(n) } }
        for (len, nums) in byLength.sorted(by: { $0.key < $1.key }) {
            guard (3...9).contains(len) else {
                sink.exception(rule: "extension.pool", kind: .dialPlan, id: "length-\(len)", .review,
                               "\(nums.count) extensions of \(len) digits cannot be in a Genesys extension pool (3 to 9 digits)")
                continue
            }
            for r in Self.ranges(nums.sorted(), maxGap: config.pools.maxExtensionGap) {
                let s = String(format: "%0\(len)d", r.lowerBound), e = String(format: "%0\(len)d", r.upperBound)
                let (kind, id) = poolSource(extension: s)
                sink.add(type: .extensionPools, key: "ext-\(s)-\(e)",
                         payload: ["name": .string("Extensions \(s)-\(e)"), "startNumber": .string(s), "endNumber": .string(e)],
                         rule: "extension.pool", kind: kind, id: id, digest: nil, reason: "extensions \(s)–\(e) cover the migrated users and groups")
            }
        }
        // DIDs: +<cc><national>; ranges over the numeric value of numbers of equal length.
        var didsByPrefix: [Int: [Int]] = [:]
        for d in Set(dids) { if let n = Int(d.dropFirst()) { didsByPrefix[d.count, default: []].append(n) } }
        // E.164 number → the first station (plain string order) that has it, built once.
        var stationWithNumber: [String: String] = [:]
        if !didsByPrefix.isEmpty {
            for k in model.stations.keys.sorted() {
                if let n = stationNumber(k), stationWithNumber[n] == nil { stationWithNumber[n] = k }
            }
        }
        for (_, nums) in didsByPrefix.sorted(by: { $0.key < $1.key }) {
            for r in Self.ranges(nums.sorted(), maxGap: config.pools.maxDidGap) {
                let s = "+\(r.lowerBound)", e = "+\(r.upperBound)"
                let station = stationWithNumber[s] ?? ""
                sink.add(type: .didPools, key: "did-\(r.lowerBound)-\(r.upperBound)",
                         payload: ["name": .string("DIDs \(s)-\(e)"), "startPhoneNumber": .string(s), "endPhoneNumber": .string(e), "provider": "PURE_CLOUD"],
                         rule: "did.pool", kind: .station, id: station, digest: nil, reason: "DIDs \(s)–\(e) cover the migrated users' numbers")
            }
        }
    }

    func poolSource(extension e: String) -> (ObjectKind, String) {
        if model.stations[e] != nil { return (.station, e) }
        if let h = index.huntGroupByExtension[e] { return (.huntGroup, String(h.number)) }
        return (.station, e)
    }

    static func ranges(_ sorted: [Int], maxGap: Int) -> [ClosedRange<Int>] {
        var out: [ClosedRange<Int>] = []
        guard var lo = sorted.first else { return out }
        var hi = lo
        for n in sorted.dropFirst() {
            if n - hi - 1 > maxGap { out.append(lo...hi); lo = n }
            hi = n
        }
        out.append(lo...hi)
        return out
    }
}
