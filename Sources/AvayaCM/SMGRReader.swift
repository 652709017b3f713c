import CArchive
import CXML2
import Common
import Foundation

/// libxml2 wants one global initialisation before concurrent use; a lazy global runs it once.
private let xmlInitialised: Bool = { xmlInitParser(); return true }()

/// Namespace URIs from the SMGR bulk import/export schemas (research §3.1). Prefixes are arbitrary.
enum SMGRNamespace {
    static let users = "http://xml.avaya.com/schema/import"
    static let cm = "http://xml.avaya.com/schema/import_csm_cm"
    static let agent = "http://xml.avaya.com/schema/import_csm_agent"
    static let sessionManager = "http://xml.avaya.com/schema/import_sessionmanager"
    static let xsi = "http://www.w3.org/2001/XMLSchema-instance"
}

/// A small element tree for one `<user>`; users are streamed one at a time, so memory stays
/// bounded by the largest user, not the export.
final class XNode {
    let name: String
    let ns: String
    let line: Int
    /// `xsi:type` resolved to (namespace URI, local name); URI empty when the prefix is undeclared.
    var xsiType: (ns: String, local: String)?
    var text = ""
    var children: [XNode] = []
    init(name: String, ns: String, line: Int) { self.name = name; self.ns = ns; self.line = line }

    func child(_ n: String) -> XNode? { children.first { $0.name == n } }
    func all(_ n: String) -> [XNode] { children.filter { $0.name == n } }
    func value(_ n: String) -> String? {
        guard let c = child(n) else { return nil }
        let t = c.text.trimmedWhitespace
        return t.isEmpty ? nil : t
    }
}

/// Collects libxml2 structured errors; passed to C as an unmanaged context pointer.
final class XMLErrorBox {
    var errors: [(line: Int, message: String, fatal: Bool)] = []
}

struct SMGRReader {
    let file: String
    let builder: ModelBuilder

    /// Reads a plain XML file, streaming from disk.
    func read(path: String) {
        _ = xmlInitialised
        guard let r = xmlReaderForFile(path, nil, Int32(XML_PARSE_NONET.rawValue)) else {
            builder.reject(nil, key: nil, at: SourceLocation(file: file), reason: "cannot open XML file",
                           code: "smgr.open", hint: "check the file exists and is readable")
            return
        }
        walk(r)
    }

    /// Reads XML held in memory (tests, small inputs).
    func read(bytes: [UInt8]) {
        _ = xmlInitialised
        let r: xmlTextReaderPtr? = bytes.withUnsafeBufferPointer { p in
            p.baseAddress.flatMap { base in
                base.withMemoryRebound(to: CChar.self, capacity: p.count) {
                    xmlReaderForMemory($0, Int32(p.count), file, nil, Int32(XML_PARSE_NONET.rawValue))
                }
            }
        }
        guard let r else {
            builder.reject(nil, key: nil, at: SourceLocation(file: file), reason: "empty or unreadable XML",
                           code: "smgr.open", hint: nil)
            return
        }
        walk(r)
    }

    /// Reads XML straight out of a libarchive entry (zip export), without extracting it.
    func read(archive: OpaquePointer) {
        _ = xmlInitialised
        let ctx = UnsafeMutableRawPointer(archive)
        guard let r = xmlReaderForIO({ ctx, buf, len in
            guard let ctx, let buf, len > 0 else { return 0 }
            let n = archive_read_data(OpaquePointer(ctx), buf, Int(len))
            return n < 0 ? -1 : Int32(n)
        }, nil, ctx, file, nil, Int32(XML_PARSE_NONET.rawValue)) else {
            builder.reject(nil, key: nil, at: SourceLocation(file: file), reason: "cannot read XML entry",
                           code: "smgr.open", hint: nil)
            return
        }
        walk(r)
    }

    private func walk(_ r: xmlTextReaderPtr) {
        defer { xmlFreeTextReader(r) }
        let box = XMLErrorBox()
        let boxPtr = Unmanaged.passUnretained(box).toOpaque()
        xmlTextReaderSetStructuredErrorHandler(r, { ctx, err in
            guard let ctx, let err else { return }
            let b = Unmanaged<XMLErrorBox>.fromOpaque(ctx).takeUnretainedValue()
            let msg = err.pointee.message.map { String(cString: $0) }?.trimmedWhitespace ?? "XML error"
            b.errors.append((Int(err.pointee.line), msg, err.pointee.level.rawValue >= XML_ERR_ERROR.rawValue))
        }, boxPtr)
        var stack: [XNode] = []
        var sawRoot = false
        var users = 0
        var status: Int32 = 1
        while true {
            status = xmlTextReaderRead(r)
            if status != 1 { break }
            let type = xmlTextReaderNodeType(r)
            switch type {
            case 1:  // element
                let name = xmlTextReaderConstLocalName(r).map { String(cString: $0) } ?? ""
                let ns = xmlTextReaderConstNamespaceUri(r).map { String(cString: $0) } ?? ""
                let line = Int(xmlGetLineNo(xmlTextReaderCurrentNode(r)))
                let empty = xmlTextReaderIsEmptyElement(r) == 1
                if !sawRoot {
                    sawRoot = true
                    if name != "users" || ns != SMGRNamespace.users {
                        builder.diagnostics.emit(.warning("smgr.root",
                            "root element is {\(ns)}\(name), expected {\(SMGRNamespace.users)}users; reading <user> elements anyway",
                            at: SourceLocation(file: file, line: line), hint: "is this an SMGR user export?"))
                    }
                    continue
                }
                if stack.isEmpty && name != "user" { continue }
                let node = XNode(name: name, ns: ns, line: line)
                if let t = attribute(r, "type", SMGRNamespace.xsi) {
                    let parts = t.split(separator: ":", maxSplits: 1).map(String.init)
                    let prefix = parts.count == 2 ? parts[0] : nil
                    let local = parts.last ?? t
                    var uri = ""
                    if let p = prefix, let u = xmlTextReaderLookupNamespace(r, p) {
                        uri = String(cString: u); cxml_free(u)
                    }
                    node.xsiType = (uri, local)
                }
                if empty {
                    if let top = stack.last { top.children.append(node) }
                    else { handleUser(node); users += 1 }
                } else {
                    stack.append(node)
                }
            case 3, 4:  // text, CDATA
                if let top = stack.last, let v = xmlTextReaderConstValue(r) { top.text += String(cString: v) }
            case 15:  // end element
                guard let node = stack.popLast() else { continue }
                if let parent = stack.last { parent.children.append(node) }
                else { handleUser(node); users += 1 }
            default:
                break
            }
        }
        for e in box.errors {
            let d = Diagnostic(e.fatal ? .error : .warning, code: "smgr.xml", "XML: \(e.message)",
                               at: SourceLocation(file: file, line: e.line),
                               hint: e.fatal ? "the export is damaged from here on; re-export it (records before this point were read)" : nil)
            builder.diagnostics.emit(d)
        }
        if status < 0 {
            if let open = stack.first {
                builder.reject(.user, key: open.value("loginName"), at: SourceLocation(file: file, line: open.line),
                    reason: "user element cut off by an XML error", code: "smgr.xml-truncated",
                    hint: "re-export the users; this user was not read")
            }
            if box.errors.isEmpty {
                builder.diagnostics.emit(.error("smgr.xml", "XML parse failed", at: SourceLocation(file: file),
                    hint: "re-export the users"))
            }
        }
        if users == 0 && status >= 0 {
            builder.diagnostics.emit(.warning("smgr.no-users", "no <user> elements found", at: SourceLocation(file: file, line: 1),
                hint: "SMGR exports list users under <users>; other XML is not read"))
        }
    }

    private func attribute(_ r: xmlTextReaderPtr, _ name: String, _ ns: String) -> String? {
        guard let v = xmlTextReaderGetAttributeNs(r, name, ns) else { return nil }
        defer { cxml_free(v) }
        return String(cString: v)
    }

    // MARK: mapping

    private func handleUser(_ u: XNode) {
        let at = SourceLocation(file: file, line: u.line, record: u.value("loginName").map { "user \($0)" })
        guard let login = u.value("loginName") else {
            builder.reject(.user, key: nil, at: at, reason: "user without <loginName>", code: "smgr.no-key",
                           hint: "every SMGR user needs a loginName; fix the export")
            return
        }
        var user = User(loginName: login, givenName: u.value("givenName"), surname: u.value("surname"),
                        displayName: u.value("displayName"))
        let personName = user.displayName ?? [user.surname, user.givenName].compactMap { $0 }.joined(separator: ", ")
        // Every SMTP handle, the primary comm profile set's first (then document order).
        var smtp: [(address: String, primary: Bool)] = []
        for set in u.all("commProfileSet") {
            if let n = set.value("commProfileSetName") { user.commProfileSets.append(n) }
            let primary = set.value("isPrimary")?.lowercased() == "true"
            for h in set.child("handleList")?.all("handle") ?? [] where h.value("handleType")?.lowercased() == "smtp" {
                if let a = h.value("handleName")?.trimmedWhitespace, !a.isEmpty, !smtp.contains(where: { $0.address == a }) {
                    smtp.append((a, primary))
                }
            }
            for p in set.child("commProfileList")?.all("commProfile") ?? [] {
                let kind = profileKind(p)
                let pat = SourceLocation(file: file, line: p.line, record: "user \(login)")
                switch kind {
                case "station":
                    if let s = station(p, name: personName, at: pat) {
                        user.stationExtensions.append(s.extension)
                        builder.add(s, at: pat, format: .smgr)
                    }
                case "agent":
                    if let a = agent(p, name: personName, at: pat) {
                        user.agentLoginIds.append(a.loginId)
                        builder.add(a, at: pat, format: .smgr)
                    }
                case "sessionManager":
                    for c in p.children where c.name != "commProfileType" {
                        let t = c.text.trimmedWhitespace
                        if !t.isEmpty { user.extra["sm.\(c.name)"] = t }
                    }
                default:
                    let t = p.xsiType.map { "\($0.ns.isEmpty ? "" : "{\($0.ns)}")\($0.local)" } ?? p.value("commProfileType") ?? "?"
                    user.extra["profile.\(t)"] = "present"
                }
            }
        }
        if let chosen = smtp.first(where: \.primary) ?? smtp.first {
            user.email = chosen.address
            if smtp.count > 1 {
                let others = smtp.filter { $0.address != chosen.address }.map(\.address)
                user.extra["smgr:smtp.other"] = others.joined(separator: " ")
                builder.diagnostics.emit(.note("smgr.email-choice",
                    "user \(login) has \(smtp.count) SMTP handles; using \(chosen.address) (\(chosen.primary ? "in the primary comm profile set" : "the first one")), others kept in extra: \(others.joined(separator: ", "))",
                    at: at, hint: "mark the right set as primary in System Manager if this is not the user's address"))
            }
        }
        if user.email == nil, login.contains("@") { user.email = login }
        for c in u.children where c.children.isEmpty && !["loginName", "givenName", "surname", "displayName", "userPassword", "commPassword"].contains(c.name) {
            let t = c.text.trimmedWhitespace
            if !t.isEmpty { user.extra[c.name] = t }
        }
        builder.add(user, at: at, format: .smgr)
    }

    /// The profile kind from `xsi:type` (URI + local name), falling back to the local name when
    /// the prefix is undeclared (trimmed exports), then to `commProfileType`.
    private func profileKind(_ p: XNode) -> String {
        if let t = p.xsiType {
            switch (t.ns, t.local) {
            case (SMGRNamespace.cm, "xmlStationProfile"), ("", "xmlStationProfile"): return "station"
            case (SMGRNamespace.agent, "xmlAgentProfile"), ("", "xmlAgentProfile"): return "agent"
            case (SMGRNamespace.sessionManager, _), ("", "SessionManagerCommProfXML"): return "sessionManager"
            default: break
            }
        }
        switch p.value("commProfileType") {
        case "CM": return p.child("loginIdExtension") != nil ? "agent" : "station"
        case "SessionManager": return "sessionManager"
        default: return "other"
        }
    }

    private func flatten(_ n: XNode, prefix: String, skip: Set<String>, into f: inout Fields) {
        for c in n.children where !skip.contains(c.name) {
            if c.children.isEmpty {
                let t = c.text.trimmedWhitespace
                if !t.isEmpty { f.addExtra("smgr:\(prefix)\(c.name)", t) }
            } else {
                flatten(c, prefix: "\(prefix)\(c.name).", skip: [], into: &f)
            }
        }
    }

    static let stationMap: [String: String] = [
        "extension": "extension", "setType": "setType", "port": "port", "cor": "cor", "cos": "cos", "tn": "tenant",
        "coveragePath1": "coveragePath1", "coveragePath2": "coveragePath2", "huntToStation": "huntToStation",
        "ec500State": "ec500State",
    ]

    private func station(_ p: XNode, name: String, at: SourceLocation) -> Station? {
        var f = Fields()
        for (el, key) in SMGRReader.stationMap { if let v = p.value(el) { f.set(key, v) } }
        if !name.isEmpty { f.set("name", name) }
        f.set("securityCode", p.value("securityCode") == nil ? "" : "*")
        var buttons: [Button] = []
        for b in p.all("buttons") {
            guard let nText = b.value("number"), let n = Int(nText), let type = b.value("type")?.lowercased() else { continue }
            let data = (1...6).map { b.value("data\($0)") ?? "" }
            buttons.append(Button(number: n, type: type, parameters: ButtonLayout.parameters(type: type, data: data)))
        }
        flatten(p, prefix: "", skip: Set(SMGRReader.stationMap.keys).union(["buttons", "securityCode", "commProfileType"]), into: &f)
        switch RecordBuild.station(&f, buttons: buttons) {
        case .success(let s):
            for i in f.issues { builder.diagnostics.emit(.warning("smgr.bad-value", "station \(s.extension): \(i)", at: at, hint: nil)) }
            return s
        case .failure(let why):
            builder.reject(.station, key: nil, at: at, reason: "CM endpoint profile: \(why)", code: "smgr.no-key",
                           hint: "the profile needs <extension>")
            return nil
        }
    }

    static let agentMap: [String: String] = [
        "loginIdExtension": "loginId", "cor": "cor", "tn": "tenant", "coveragePath": "coveragePath",
        "directAgentSkill": "directAgentSkill", "callHandlingPreference": "callHandlingPreference",
    ]

    private func agent(_ p: XNode, name: String, at: SourceLocation) -> Agent? {
        var f = Fields()
        for (el, key) in SMGRReader.agentMap { if let v = p.value(el) { f.set(key, v) } }
        if !name.isEmpty { f.set("name", name) }
        if p.value("securityCode") != nil { f.set("securityCode", "*") }
        var skills: [AgentSkill] = []
        for s in p.all("skills") {
            guard let sn = s.value("skillNumber").flatMap({ Int($0) }) else { continue }
            skills.append(AgentSkill(skill: sn, level: s.value("skillLevel").flatMap { Int($0) },
                                     reserveLevel: s.value("reserveLevel").flatMap { Int($0) },
                                     percentAllocation: s.value("percentAllocation").flatMap { Int($0) }))
        }
        flatten(p, prefix: "", skip: Set(SMGRReader.agentMap.keys).union(["skills", "securityCode", "password", "commProfileType"]), into: &f)
        switch RecordBuild.agent(&f, skills: skills) {
        case .success(let a):
            for i in f.issues { builder.diagnostics.emit(.warning("smgr.bad-value", "agent \(a.loginId): \(i)", at: at, hint: nil)) }
            return a
        case .failure(let why):
            builder.reject(.agent, key: nil, at: at, reason: "CM agent profile: \(why)", code: "smgr.no-key",
                           hint: "the profile needs <loginIdExtension>")
            return nil
        }
    }
}

/// Reads every `.xml` entry of a zip (SMGR splits large exports into several files).
struct ZipReader {
    let file: String
    let builder: ModelBuilder

    func read(path: String) {
        guard let a = archive_read_new() else { return }
        defer { archive_read_free(a) }
        archive_read_support_format_zip(a)
        archive_read_support_filter_all(a)
        guard archive_read_open_filename(a, path, 1 << 16) == ARCHIVE_OK else {
            let why = archive_error_string(a).map { String(cString: $0) } ?? "unknown error"
            builder.reject(nil, key: nil, at: SourceLocation(file: file), reason: "cannot open zip: \(why)",
                           code: "zip.open", hint: "is the archive complete?")
            return
        }
        var entry: OpaquePointer? = nil
        var xmlCount = 0
        while true {
            let rc = archive_read_next_header(a, &entry)
            if rc == ARCHIVE_EOF { break }
            guard rc == ARCHIVE_OK || rc == ARCHIVE_WARN, let e = entry else {
                let why = archive_error_string(a).map { String(cString: $0) } ?? "unknown error"
                builder.diagnostics.emit(.error("zip.read", "zip damaged: \(why)", at: SourceLocation(file: file),
                    hint: "re-create the export archive; entries before this point were read"))
                break
            }
            let name = archive_entry_pathname(e).map { String(cString: $0) } ?? "?"
            if name.lowercased().hasSuffix(".xml") {
                xmlCount += 1
                SMGRReader(file: "\(file)!\(name)", builder: builder).read(archive: a)
            } else {
                archive_read_data_skip(a)
                builder.diagnostics.emit(.note("zip.skipped", "skipped non-XML entry \(name)", at: SourceLocation(file: file)))
            }
        }
        if xmlCount == 0 {
            builder.diagnostics.emit(.warning("zip.empty", "no .xml entries in archive", at: SourceLocation(file: file), hint: nil))
        }
    }
}
