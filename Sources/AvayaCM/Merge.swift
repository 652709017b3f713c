import Common

/// Decides, field by field, which of two values for the same object survives a merge, and
/// records every disagreement so it can be reported.
struct MergeContext {
    /// Formats and completeness of the record already in the model and the incoming one.
    let existing: Origin
    let incoming: Origin
    var conflicts: [(field: String, kept: String, dropped: String)] = []

    /// Where a stored record came from. `weak`: read with a dictionary that does not match its
    /// capture (OSSI type mismatch), so it only fills gaps.
    struct Origin {
        var format: SourceFormat
        var summary: Bool
        var weak = false
    }

    /// A weak record never wins over a sound one. People fields (names, e-mail) prefer SMGR;
    /// everything else prefers CM (SAT/OSSI). Within one family a full display beats a summary
    /// list row; otherwise first seen wins.
    func incomingWins(_ field: String) -> Bool {
        if existing.weak != incoming.weak { return existing.weak }
        let people = field == "name" || field == "email" || field == "displayName"
        if existing.format.isCM != incoming.format.isCM {
            return people ? incoming.format == .smgr : incoming.format.isCM
        }
        if existing.summary != incoming.summary { return existing.summary }
        return false
    }

    mutating func merge<T: Equatable>(_ a: inout T?, _ b: T?, _ field: String) {
        guard let b else { return }
        guard let cur = a else { a = b; return }
        if cur == b { return }
        if incomingWins(field) {
            conflicts.append((field, "\(b)", "\(cur)")); a = b
        } else {
            conflicts.append((field, "\(cur)", "\(b)"))
        }
    }

    /// Lists (buttons, members, steps, skills): an empty list never overrides a filled one.
    mutating func merge<T: Equatable>(_ a: inout [T], _ b: [T], _ field: String) {
        if b.isEmpty || a == b { return }
        if a.isEmpty { a = b; return }
        if incomingWins(field) {
            conflicts.append((field, "\(b.count) entries", "\(a.count) entries")); a = b
        } else {
            conflicts.append((field, "\(a.count) entries", "\(b.count) entries"))
        }
    }

    mutating func merge<V: Equatable>(_ a: inout [String: V], _ b: [String: V]) {
        for (k, v) in b where a[k] == nil { a[k] = v }
    }
}

/// A record kind the builder can store and merge.
protocol SourceRecord: Sendable, Codable, Hashable {
    static var kind: ObjectKind { get }
    static var storage: WritableKeyPath<SiteModel, [String: Self]> { get }
    var key: String { get }
    var extra: [String: String] { get set }
    mutating func merge(_ other: Self, _ c: inout MergeContext)
}

extension Station: SourceRecord {
    static var kind: ObjectKind { .station }
    static var storage: WritableKeyPath<SiteModel, [String: Station]> { \.stations }
    var key: String { self.extension }
    mutating func merge(_ o: Station, _ c: inout MergeContext) {
        c.merge(&name, o.name, "name"); c.merge(&setType, o.setType, "setType"); c.merge(&port, o.port, "port")
        c.merge(&cor, o.cor, "cor"); c.merge(&cos, o.cos, "cos"); c.merge(&tenant, o.tenant, "tenant")
        c.merge(&coveragePath1, o.coveragePath1, "coveragePath1")
        c.merge(&coveragePath2, o.coveragePath2, "coveragePath2")
        c.merge(&huntToStation, o.huntToStation, "huntToStation")
        c.merge(&hasSecurityCode, o.hasSecurityCode, "hasSecurityCode")
        c.merge(&buttons, o.buttons, "buttons"); c.merge(&ec500State, o.ec500State, "ec500State")
        c.merge(&extra, o.extra)
    }
}

extension Agent: SourceRecord {
    static var kind: ObjectKind { .agent }
    static var storage: WritableKeyPath<SiteModel, [String: Agent]> { \.agents }
    var key: String { loginId }
    mutating func merge(_ o: Agent, _ c: inout MergeContext) {
        c.merge(&name, o.name, "name"); c.merge(&cor, o.cor, "cor"); c.merge(&tenant, o.tenant, "tenant")
        c.merge(&coveragePath, o.coveragePath, "coveragePath")
        c.merge(&directAgentSkill, o.directAgentSkill, "directAgentSkill")
        c.merge(&callHandlingPreference, o.callHandlingPreference, "callHandlingPreference")
        c.merge(&skills, o.skills, "skills"); c.merge(&extra, o.extra)
    }
}

extension HuntGroup: SourceRecord {
    static var kind: ObjectKind { .huntGroup }
    static var storage: WritableKeyPath<SiteModel, [String: HuntGroup]> { \.huntGroups }
    var key: String { String(number) }
    mutating func merge(_ o: HuntGroup, _ c: inout MergeContext) {
        c.merge(&name, o.name, "name"); c.merge(&self.extension, o.extension, "extension")
        c.merge(&groupType, o.groupType, "groupType"); c.merge(&acd, o.acd, "acd")
        c.merge(&queue, o.queue, "queue"); c.merge(&vector, o.vector, "vector"); c.merge(&skill, o.skill, "skill")
        c.merge(&members, o.members, "members")
        c.merge(&nightServiceDestination, o.nightServiceDestination, "nightServiceDestination")
        c.merge(&coveragePath, o.coveragePath, "coveragePath"); c.merge(&queueLimit, o.queueLimit, "queueLimit")
        c.merge(&callsWarningThreshold, o.callsWarningThreshold, "callsWarningThreshold")
        c.merge(&timeWarningThreshold, o.timeWarningThreshold, "timeWarningThreshold")
        c.merge(&cor, o.cor, "cor"); c.merge(&tenant, o.tenant, "tenant"); c.merge(&extra, o.extra)
    }
}

extension Vector: SourceRecord {
    static var kind: ObjectKind { .vector }
    static var storage: WritableKeyPath<SiteModel, [String: Vector]> { \.vectors }
    var key: String { String(number) }
    mutating func merge(_ o: Vector, _ c: inout MergeContext) {
        c.merge(&name, o.name, "vectorName"); c.merge(&steps, o.steps, "steps"); c.merge(&extra, o.extra)
    }
}

extension VDN: SourceRecord {
    static var kind: ObjectKind { .vdn }
    static var storage: WritableKeyPath<SiteModel, [String: VDN]> { \.vdns }
    var key: String { self.extension }
    mutating func merge(_ o: VDN, _ c: inout MergeContext) {
        c.merge(&name, o.name, "vdnName"); c.merge(&vectorNumber, o.vectorNumber, "vectorNumber")
        c.merge(&skill1, o.skill1, "skill1"); c.merge(&skill2, o.skill2, "skill2"); c.merge(&skill3, o.skill3, "skill3")
        c.merge(&cor, o.cor, "cor"); c.merge(&tenant, o.tenant, "tenant"); c.merge(&extra, o.extra)
    }
}

extension CoveragePath: SourceRecord {
    static var kind: ObjectKind { .coveragePath }
    static var storage: WritableKeyPath<SiteModel, [String: CoveragePath]> { \.coveragePaths }
    var key: String { String(number) }
    mutating func merge(_ o: CoveragePath, _ c: inout MergeContext) {
        c.merge(&nextPath, o.nextPath, "nextPath"); c.merge(&huntAfterCoverage, o.huntAfterCoverage, "huntAfterCoverage")
        if inside == CoverageCriteria() { inside = o.inside }
        if outside == CoverageCriteria() { outside = o.outside }
        c.merge(&dontAnswerRings, o.dontAnswerRings, "dontAnswerRings"); c.merge(&points, o.points, "points")
        c.merge(&extra, o.extra)
    }
}

extension ClassOfRestriction: SourceRecord {
    static var kind: ObjectKind { .cor }
    static var storage: WritableKeyPath<SiteModel, [String: ClassOfRestriction]> { \.cors }
    var key: String { String(number) }
    mutating func merge(_ o: ClassOfRestriction, _ c: inout MergeContext) {
        c.merge(&description, o.description, "description"); c.merge(&frl, o.frl, "frl"); c.merge(&extra, o.extra)
    }
}

extension ClassOfService: SourceRecord {
    static var kind: ObjectKind { .cos }
    static var storage: WritableKeyPath<SiteModel, [String: ClassOfService]> { \.coses }
    var key: String { String(number) }
    mutating func merge(_ o: ClassOfService, _ c: inout MergeContext) {
        c.merge(&permissions, o.permissions); c.merge(&extra, o.extra)
    }
}

extension ReasonCode: SourceRecord {
    static var kind: ObjectKind { .reasonCode }
    static var storage: WritableKeyPath<SiteModel, [String: ReasonCode]> { \.reasonCodes }
    var key: String { "\(kind.rawValue)/\(code)" }
    mutating func merge(_ o: ReasonCode, _ c: inout MergeContext) {
        var n: String? = name
        c.merge(&n, o.name, "reasonName"); name = n ?? name
        c.merge(&interruptible, o.interruptible, "interruptible"); c.merge(&extra, o.extra)
    }
}

extension HolidayTable: SourceRecord {
    static var kind: ObjectKind { .holidayTable }
    static var storage: WritableKeyPath<SiteModel, [String: HolidayTable]> { \.holidayTables }
    var key: String { String(number) }
    mutating func merge(_ o: HolidayTable, _ c: inout MergeContext) {
        c.merge(&name, o.name, "tableName"); c.merge(&entries, o.entries, "entries"); c.merge(&extra, o.extra)
    }
}

extension Announcement: SourceRecord {
    static var kind: ObjectKind { .announcement }
    static var storage: WritableKeyPath<SiteModel, [String: Announcement]> { \.announcements }
    var key: String { self.extension }
    mutating func merge(_ o: Announcement, _ c: inout MergeContext) {
        c.merge(&name, o.name, "annName"); c.merge(&type, o.type, "type"); c.merge(&source, o.source, "source")
        c.merge(&extra, o.extra)
    }
}

extension PublicNumbering: SourceRecord {
    static var kind: ObjectKind { .publicNumbering }
    static var storage: WritableKeyPath<SiteModel, [String: PublicNumbering]> { \.publicNumbering }
    var key: String { "\(extensionLength)/\(extensionCode)/\(trunkGroups ?? "")" }
    mutating func merge(_ o: PublicNumbering, _ c: inout MergeContext) {
        c.merge(&cpnPrefix, o.cpnPrefix, "cpnPrefix"); c.merge(&cpnLength, o.cpnLength, "cpnLength")
        c.merge(&extra, o.extra)
    }
}

extension DialPlanEntry: SourceRecord {
    static var kind: ObjectKind { .dialPlan }
    static var storage: WritableKeyPath<SiteModel, [String: DialPlanEntry]> { \.dialPlan }
    var key: String { location.map { "\(dialedString)/\(totalLength)@\($0)" } ?? "\(dialedString)/\(totalLength)" }
    mutating func merge(_ o: DialPlanEntry, _ c: inout MergeContext) {
        var t: String? = callType
        c.merge(&t, o.callType, "callType"); callType = t ?? callType
        c.merge(&extra, o.extra)
    }
}

extension PickupGroup: SourceRecord {
    static var kind: ObjectKind { .pickupGroup }
    static var storage: WritableKeyPath<SiteModel, [String: PickupGroup]> { \.pickupGroups }
    var key: String { String(number) }
    mutating func merge(_ o: PickupGroup, _ c: inout MergeContext) {
        c.merge(&name, o.name, "groupName"); c.merge(&members, o.members, "members"); c.merge(&extra, o.extra)
    }
}

extension Tenant: SourceRecord {
    static var kind: ObjectKind { .tenant }
    static var storage: WritableKeyPath<SiteModel, [String: Tenant]> { \.tenants }
    var key: String { String(number) }
    mutating func merge(_ o: Tenant, _ c: inout MergeContext) {
        c.merge(&description, o.description, "description"); c.merge(&attendantGroup, o.attendantGroup, "attendantGroup")
        c.merge(&musicSource, o.musicSource, "musicSource"); c.merge(&nightDestination, o.nightDestination, "nightDestination")
        c.merge(&cosGroup, o.cosGroup, "cosGroup"); c.merge(&extra, o.extra)
    }
}

extension User: SourceRecord {
    static var kind: ObjectKind { .user }
    static var storage: WritableKeyPath<SiteModel, [String: User]> { \.users }
    var key: String { loginName }
    mutating func merge(_ o: User, _ c: inout MergeContext) {
        c.merge(&givenName, o.givenName, "name"); c.merge(&surname, o.surname, "name")
        c.merge(&displayName, o.displayName, "name"); c.merge(&email, o.email, "email")
        c.merge(&stationExtensions, o.stationExtensions, "stationExtensions")
        c.merge(&agentLoginIds, o.agentLoginIds, "agentLoginIds")
        c.merge(&commProfileSets, o.commProfileSets, "commProfileSets"); c.merge(&extra, o.extra)
    }
}

/// Collects records from any number of readers into one `SiteModel`, counting and merging.
/// Not thread-safe: one builder per read; readers feed it in file order so results are
/// deterministic.
public final class ModelBuilder {
    public private(set) var model = SiteModel()
    public private(set) var report = ReadReport()
    public let diagnostics: DiagnosticCollector
    /// Origin of the first record stored under each `kind:key`.
    private var origin: [String: MergeContext.Origin] = [:]
    private var said: Set<String> = []

    /// True the first time `key` is asked for in this read (diagnostics reported once per form).
    func firstTime(_ key: String) -> Bool { said.insert(key).inserted }

    public init(diagnostics: DiagnosticCollector = DiagnosticCollector()) {
        self.diagnostics = diagnostics
    }

    func bump(_ kind: ObjectKind, _ f: (inout KindCount) -> Void) {
        var c = report.counts[kind] ?? KindCount()
        f(&c)
        report.counts[kind] = c
    }

    /// Adds a parsed record. `summary` marks partial views (`list` rows) that only fill gaps.
    func add<R: SourceRecord>(_ record: R, at loc: SourceLocation, format: SourceFormat, summary: Bool = false, weak: Bool = false) {
        let key = record.key
        let okey = "\(R.kind.rawValue):\(key)"
        bump(R.kind) { $0.read += 1 }
        let incoming = MergeContext.Origin(format: format, summary: summary, weak: weak)
        var record = record
        if model.untyped != nil, let u = model.untyped?[okey] {
            // An untyped OSSI row of the same key came first: the typed record takes its place,
            // keeping the row's raw ids where it has nothing of its own.
            model.untyped?[okey] = nil
            if model.untyped?.isEmpty == true { model.untyped = nil }
            for (k, v) in u.fields where record.extra[k] == nil { record.extra[k] = v }
            bump(R.kind) { $0.merged += 1 }
        }
        guard let existing = model[keyPath: R.storage][key], let prev = origin[okey] else {
            store(record, key)
            origin[okey] = incoming
            model.sources[okey, default: []].append(loc)
            return
        }
        // A second full record from the same family is a duplicate, not a second view.
        if prev.format == format && !prev.summary && !summary && prev.weak == weak {
            if existing == record {
                bump(R.kind) { $0.merged += 1 }
                model.sources[okey, default: []].append(loc)
                diagnostics.emit(.note("model.duplicate-identical",
                    "\(R.kind.rawValue) \(key) appears again with identical content; kept once", at: loc))
            } else {
                let first = model.sources[okey]?.first.map { "\($0)" } ?? "an earlier record"
                reject(R.kind, key: key, at: loc,
                       reason: "duplicate \(R.kind.rawValue) \(key) (first seen at \(first)) with different content",
                       code: "model.duplicate",
                       hint: "remove one of the two captures, or re-export the object once", alreadyCounted: true)
            }
            return
        }
        var merged = existing
        var ctx = MergeContext(existing: prev, incoming: incoming)
        merged.merge(record, &ctx)
        store(merged, key)
        if ctx.incomingWins("telephony") && !summary { origin[okey] = incoming }
        model.sources[okey, default: []].append(loc)
        bump(R.kind) { $0.merged += 1 }
        for c in ctx.conflicts {
            let rule = (c.field == "name" || c.field == "email") ? "SMGR wins for people" : "CM wins for telephony fields"
            diagnostics.emit(.warning("merge.conflict",
                "\(R.kind.rawValue) \(key): \(c.field) differs between sources; kept '\(c.kept)', dropped '\(c.dropped)' (\(rule))",
                at: loc, hint: "correct the source that is out of date, or accept the kept value"))
        }
    }

    /// Adds an untyped OSSI row (a known kind read without a dictionary for its form). If a
    /// typed record already holds the key, the row's raw ids only fill that record's `extra`;
    /// a typed record arriving later replaces the row the same way (see `add`).
    func addUntyped(_ u: UntypedRecord, at loc: SourceLocation) {
        let okey = "\(u.kind.rawValue):\(u.key)"
        bump(u.kind) { $0.read += 1 }
        if foldIntoTyped(u, at: loc) { return }
        if let prev = model.untyped?[okey] {
            if prev.fields == u.fields {
                bump(u.kind) { $0.merged += 1 }
                model.sources[okey, default: []].append(loc)
                diagnostics.emit(.note("model.duplicate-identical",
                    "\(u.kind.rawValue) \(u.key) appears again with identical content; kept once", at: loc))
            } else {
                let first = model.sources[okey]?.first.map { "\($0)" } ?? "an earlier record"
                reject(u.kind, key: u.key, at: loc,
                       reason: "duplicate untyped \(u.kind.rawValue) row \(u.key) (first seen at \(first)) with different content",
                       code: "model.duplicate", hint: "remove one of the two captures, or re-export the table once", alreadyCounted: true)
            }
            return
        }
        if model.untyped == nil { model.untyped = [:] }
        model.untyped?[okey] = u
        model.sources[okey, default: []].append(loc)
    }

    private func foldIntoTyped(_ u: UntypedRecord, at loc: SourceLocation) -> Bool {
        switch u.kind {
        case .station: fold(u, \.stations, loc)
        case .agent: fold(u, \.agents, loc)
        case .huntGroup: fold(u, \.huntGroups, loc)
        case .vector: fold(u, \.vectors, loc)
        case .vdn: fold(u, \.vdns, loc)
        case .coveragePath: fold(u, \.coveragePaths, loc)
        case .cor: fold(u, \.cors, loc)
        case .cos: fold(u, \.coses, loc)
        case .reasonCode: fold(u, \.reasonCodes, loc)
        case .holidayTable: fold(u, \.holidayTables, loc)
        case .announcement: fold(u, \.announcements, loc)
        case .publicNumbering: fold(u, \.publicNumbering, loc)
        case .dialPlan: fold(u, \.dialPlan, loc)
        case .pickupGroup: fold(u, \.pickupGroups, loc)
        case .tenant: fold(u, \.tenants, loc)
        case .user: fold(u, \.users, loc)
        }
    }

    private func fold<R: SourceRecord>(_ u: UntypedRecord, _ p: WritableKeyPath<SiteModel, [String: R]>, _ loc: SourceLocation) -> Bool {
        guard var r = model[keyPath: p][u.key] else { return false }
        for (k, v) in u.fields where r.extra[k] == nil { r.extra[k] = v }
        store(r, u.key)
        model.sources["\(u.kind.rawValue):\(u.key)", default: []].append(loc)
        bump(u.kind) { $0.merged += 1 }
        return true
    }

    /// Writing through a key path into a class's struct property copies the dictionary on every
    /// insert (O(n²) over a read); moving it out, mutating it uniquely and moving it back does not.
    private func store<R: SourceRecord>(_ record: R, _ key: String) {
        var d = model[keyPath: R.storage]
        model[keyPath: R.storage] = [:]
        d[key] = record
        model[keyPath: R.storage] = d
    }

    /// Records a rejected record with its reason (counts it as read and rejected).
    func reject(_ kind: ObjectKind?, key: String?, at loc: SourceLocation, reason: String,
                code: String, hint: String? = nil, alreadyCounted: Bool = false) {
        if let kind { bump(kind) { if !alreadyCounted { $0.read += 1 }; $0.rejected += 1 } }
        report.rejects.append(Reject(kind: kind, key: key, location: loc, reason: reason))
        diagnostics.emit(.error(code, reason, at: loc, hint: hint))
    }

    func noteFile(_ path: String, format: String) { report.files[path] = format }

    /// Finishes the read: fills `inModel`, sorts provenance and rejects.
    public func finish() -> (model: SiteModel, report: ReadReport) {
        for k in ObjectKind.allCases {
            let n = model.count(k)
            if n > 0 || report.counts[k] != nil { bump(k) { $0.inModel = n } }
        }
        report.rejects.sort { a, b in
            (a.location.file, a.location.line ?? 0, a.reason) < (b.location.file, b.location.line ?? 0, b.reason)
        }
        return (model, report)
    }
}

extension SiteModel {
    private mutating func strip<R: SourceRecord>(_ p: WritableKeyPath<SiteModel, [String: R]>) {
        for k in self[keyPath: p].keys { self[keyPath: p][k]?.extra = [:] }
    }

    /// Content without provenance and without `extra` (fields the model does not type). This is
    /// what "the same model from different formats" means: SAT labels and OSSI field ids for
    /// unknown fields naturally differ, typed fields must not.
    public var typedContent: SiteModel {
        var m = content
        m.strip(\.stations); m.strip(\.agents); m.strip(\.huntGroups); m.strip(\.vectors); m.strip(\.vdns)
        m.strip(\.coveragePaths); m.strip(\.cors); m.strip(\.coses); m.strip(\.reasonCodes)
        m.strip(\.holidayTables); m.strip(\.announcements); m.strip(\.publicNumbering); m.strip(\.dialPlan)
        m.strip(\.pickupGroups); m.strip(\.tenants); m.strip(\.users)
        m.untyped = nil
        return m
    }
}
