import Common
import Foundation

/// Per-kind platform rules beyond the contract: number pools, DNIS uniqueness, phone lines,
/// flow names, time zones — and the read-only fields responses carry.
extension GenesysEngine {
    func kindRules(_ kind: ResourceKind, _ o: inout JSONObject, existingId: String?) throws(APIError) {
        switch kind.name {
        case "users":
            try userNumberRules(o, userId: existingId)
        case "extensionpools":
            guard let s = o["startNumber"]?.stringValue, let e = o["endNumber"]?.stringValue else {
                throw APIError(400, "required.field.missing", "The fields [startNumber] and [endNumber] are required.")
            }
            // §2.17: "between 3 and 9 digits in length and the same length".
            guard Self.digits(s, 3...9), Self.digits(e, 3...9), s.count == e.count, let a = Int(s), let b = Int(e), a <= b else {
                throw APIError.invalidValue(field: "startNumber", value: "\(s)-\(e)",
                                            message: "Extension pool numbers must be 3 to 9 digits, of the same length, start <= end.")
            }
            for p in store.all("extensionpools") where p["id"]?.stringValue != existingId {
                if let ps = p["startNumber"]?.stringValue, let pe = p["endNumber"]?.stringValue, ps.count == s.count,
                   let x = Int(ps), let y = Int(pe), x <= b && a <= y {
                    throw duplicate("extensionpools", other: p)
                }
            }
        case "didpools":
            guard let s = o["startPhoneNumber"]?.stringValue, let e = o["endPhoneNumber"]?.stringValue else { return }
            guard s.count == e.count, s <= e else {
                throw APIError.invalidValue(field: "endPhoneNumber", value: e, message: "A DID pool's numbers must have the same length and start <= end.")
            }
            for p in store.all("didpools") where p["id"]?.stringValue != existingId {
                if let ps = p["startPhoneNumber"]?.stringValue, let pe = p["endPhoneNumber"]?.stringValue, ps.count == s.count,
                   ps <= e && s <= pe {
                    throw duplicate("didpools", other: p)
                }
            }
        case "phones":
            // §2.15: 400 lines.required; WebRTC phones need their user.
            guard let lines = o["lines"]?.arrayValue, !lines.isEmpty else {
                throw APIError(400, "lines.required", "A phone cannot be created without a line.")
            }
            let base = o["phoneBaseSettings"]?["id"]?.stringValue.flatMap { store.get("phonebasesettings", $0) }
            if let base, base["phoneMetaBase"]?["id"]?.stringValue?.contains("webrtc") == true, o["webRtcUser"]?["id"] == nil {
                throw APIError(400, "webrtc.user.required", "A WebRTC phone requires a webRtcUser.")
            }
            if let base {
                // A phone has at most phone_maxLineKeys lines, and its line base settings (on the
                // phone and on each line) are those of its phone base settings.
                let max = Self.maxLineKeys(base)
                if lines.count > max {
                    throw APIError.invalidValue(field: "lines", value: String(lines.count),
                                                message: "The phone base settings \(base["name"]?.stringValue ?? "") allow \(max) line(s) (phone_maxLineKeys); the phone has \(lines.count).")
                }
                let lineBases = Set(base.values(at: "lines[].id").compactMap(\.stringValue))
                for (field, v) in [("lineBaseSettings", o["lineBaseSettings"])] + lines.enumerated().map({ ("lines[\($0)].lineBaseSettings", $1["lineBaseSettings"]) }) {
                    if let id = v?["id"]?.stringValue, !lineBases.contains(id) {
                        throw APIError.invalidValue(field: field, value: id,
                                                    message: "The line base settings [\(id)] do not belong to the phone's phone base settings.")
                    }
                }
            }
            let old = existingId.flatMap { store.get("phones", $0)?["lines"]?.arrayValue } ?? []
            var out: [JSONValue] = []
            for (i, l) in lines.enumerated() {
                guard var lo = l.objectValue else { throw APIError.badRequest() }
                if lo["name"] == nil { throw APIError(400, "required.field.missing", "The field [lines[\(i)].name] is required.") }
                let lid = lo["id"]?.stringValue ?? (i < old.count ? old[i]["id"]?.stringValue : nil) ?? newId()
                lo["id"] = .string(lid)
                lo["selfUri"] = .string("\(ResourceKind.edges)/lines/\(lid)")
                out.append(.object(lo))
            }
            o["lines"] = .array(out)
        case "phonebasesettings":
            guard let lines = o["lines"]?.arrayValue, !lines.isEmpty else {
                throw APIError(400, "base.settings.required", "Phone base settings require at least one line.")
            }
            // Each line (LineBase) gets an id: phones name it as their lineBaseSettings.
            let old = existingId.flatMap { store.get("phonebasesettings", $0)?["lines"]?.arrayValue } ?? []
            o["lines"] = .array(lines.enumerated().map { i, l in
                var lo = l.objectValue ?? [:]
                lo["id"] = .string(i < old.count ? old[i]["id"]?.stringValue ?? newId() : newId())
                return .object(lo)
            })
            // The template's phone_maxLineKeys when the body does not set it.
            var props = o["properties"]?.objectValue ?? [:]
            if props["phone_maxLineKeys"] == nil {
                props["phone_maxLineKeys"] = ["value": ["instance": .int(Int64(Self.defaultMaxLineKeys(o["phoneMetaBase"]?["id"]?.stringValue)))]]
                o["properties"] = .object(props)
            }
        case "ivrs":
            let dnis = o.values(at: "dnis[]").compactMap(\.stringValue)
            if Set(dnis).count != dnis.count { throw APIError.invalidValue(field: "dnis", value: dnis.joined(separator: ","), message: "A DNIS is listed twice.") }
            for d in dnis { try numberRule(d, owner: existingId, field: "dnis", requirePool: true) }
            if o["scheduleGroup"]?["id"] != nil, o["openHoursFlow"]?["id"] == nil || o["closedHoursFlow"]?["id"] == nil {
                throw APIError.invalidValue(field: "scheduleGroup", value: o["scheduleGroup"]?["id"]?.stringValue ?? "",
                                            message: "If a schedule group is provided, an open flow and a closed flow must be specified as well.")
            }
        case "groups":
            for a in o.values(at: "addresses[]") {
                if let n = a["address"]?.stringValue { try numberRule(n, owner: existingId, field: "addresses", requirePool: false) }
            }
        case "flows":
            // §2.13 (SPEC18): names ending in -debug, containing '/', or without alphanumerics are refused.
            let n = o["name"]?.stringValue ?? ""
            if n.lowercased().hasSuffix("-debug") || n.contains("/") || !n.contains(where: { $0.isLetter || $0.isNumber }) {
                throw APIError.invalidValue(field: "name", value: n, message: "The flow name [\(n)] is not valid.")
            }
            guard let t = o["type"]?.stringValue else {
                throw APIError(400, "required.field.missing", "The field [type] is required.")
            }
            o["type"] = .string(t.uppercased())
            if let id = existingId, let cur = store.get("flows", id), cur["type"] != o["type"] {
                throw APIError.invalidValue(field: "type", value: t, message: "A flow's type cannot be changed.")
            }
        case "schedulegroups":
            if let tz = o["timeZone"]?.stringValue, TimeZone(identifier: tz) == nil {
                throw APIError.invalidValue(field: "timeZone", value: tz)
            }
        case "schedules":
            if let rr = o["rrule"]?.stringValue, !rr.isEmpty, !rr.uppercased().contains("FREQ=") {
                throw APIError.invalidValue(field: "rrule", value: rr, message: "The rrule [\(rr)] is not a valid iCal RRULE.")
            }
            if let s = o["start"]?.stringValue, let e = o["end"]?.stringValue, e < s {
                throw APIError.invalidValue(field: "end", value: e, message: "The schedule end is before its start.")
            }
        case "presencedefinitions":
            if let id = existingId, let cur = store.get("presencedefinitions", id) {
                if cur["type"]?.stringValue == "System" { throw APIError(400, "bad.request", "System presences cannot be modified.") }
                if let sp = o["systemPresence"], sp != cur["systemPresence"] {
                    throw APIError.invalidValue(field: "systemPresence", value: sp.stringValue ?? "", message: "systemPresence cannot be changed after create.")
                }
            }
        default: break
        }
    }

    func duplicate(_ rule: String, other: JSONObject?) -> APIError {
        let d = config.rules.duplicates[rule] ?? DuplicateRule.defaults[rule] ?? .allow
        var e = APIError(d.status ?? 409, d.code.isEmpty ? "general.conflict" : d.code, d.message.isEmpty ? "Duplicate value." : d.message)
        if let other { e.details = [["errorCode": .string(e.code), "entityId": other["id"] ?? .null, "entityName": other["name"] ?? .null]] }
        return e
    }

    /// `phone_maxLineKeys` of phone base settings (`{"value": {"instance": n}}`).
    static func maxLineKeys(_ base: JSONObject) -> Int {
        let p = base["properties"]?["phone_maxLineKeys"]
        return Int(p?["value"]?["instance"]?.intValue ?? p?["value"]?["defaultValue"]?.intValue
                   ?? Int64(defaultMaxLineKeys(base["phoneMetaBase"]?["id"]?.stringValue)))
    }

    /// The template default: one line key for the WebRTC softphone (Genesys's WebRTC template, as
    /// terraform-provider-genesyscloud's phonebasesettings example shows), one for the generic
    /// SIP template of the same examples; other models are not emulated: eight.
    static func defaultMaxLineKeys(_ metaBase: String?) -> Int {
        guard let m = metaBase?.lowercased() else { return 1 }
        if m.contains("webrtc") || m.hasPrefix("generic_sip") { return 1 }
        return 8
    }

    static func digits(_ s: String, _ len: ClosedRange<Int>) -> Bool {
        len.contains(s.count) && s.allSatisfy { $0.isASCII && $0.isNumber }
    }

    /// §2.1: extensions inside an extension pool, DIDs inside a DID pool, each number owned once.
    func userNumberRules(_ o: JSONObject, userId: String?) throws(APIError) {
        for a in o.values(at: "addresses[]") where (a["mediaType"]?.stringValue ?? "PHONE") == "PHONE" {
            if let ext = a["extension"]?.stringValue, !ext.isEmpty {
                if config.rules.requireExtensionInPool && extensionPool(for: ext) == nil {
                    throw APIError.invalidValue(field: "addresses.extension", value: ext,
                                                message: "The extension [\(ext)] is not in any extension pool.")
                }
                if let owner = extensionOwner(ext), owner["id"]?.stringValue != userId {
                    throw duplicate("extensions", other: owner)
                }
            }
            if let num = a["address"]?.stringValue, !num.isEmpty {
                let work = (a["type"]?.stringValue ?? "WORK").hasPrefix("WORK")
                try numberRule(num, owner: userId, field: "addresses.address", requirePool: work)
            }
        }
    }

    func numberRule(_ n: String, owner: String?, field: String, requirePool: Bool) throws(APIError) {
        let pool = didPool(for: n)
        if requirePool && config.rules.requireDidInPool && pool == nil {
            throw APIError.invalidValue(field: field, value: n, message: "The number [\(n)] is not in any DID pool.")
        }
        // Only DIDs are exclusive: a number outside every pool is just a contact number.
        if pool != nil, let o = numberOwner(n), o.id != owner {
            throw duplicate("dnis", other: store.get(o.kind, o.id))
        }
    }

    func extensionPool(for ext: String) -> JSONObject? {
        guard let x = Int(ext) else { return nil }
        return store.all("extensionpools").first { p in
            guard let s = p["startNumber"]?.stringValue, let e = p["endNumber"]?.stringValue, s.count == ext.count,
                  let a = Int(s), let b = Int(e) else { return false }
            return a <= x && x <= b
        }
    }

    func didPool(for n: String) -> JSONObject? {
        store.all("didpools").first { p in
            guard let s = p["startPhoneNumber"]?.stringValue, let e = p["endPhoneNumber"]?.stringValue else { return false }
            return s.count == n.count && s <= n && n <= e
        }
    }

    func extensionOwner(_ ext: String) -> JSONObject? {
        store.lookup("users", .userExtension, ext).map(\.entity).first { u in
            u["state"]?.stringValue != "deleted" && u.values(at: "addresses[]").contains { $0["extension"]?.stringValue == ext }
        }
    }

    struct NumberOwner { var kind: String; var id: String; var type: String; var name: String? }

    /// Who holds a phone number: a user address, an IVR DNIS or a group address.
    /// (The phone-number index narrows each scan to the holders of `n`.)
    func numberOwner(_ n: String) -> NumberOwner? {
        for (_, u) in store.lookup("users", .phoneNumber, n) where u["state"]?.stringValue != "deleted" {
            if u.values(at: "addresses[]").contains(where: { $0["address"]?.stringValue == n }), let id = u["id"]?.stringValue {
                return NumberOwner(kind: "users", id: id, type: "USER", name: u["name"]?.stringValue)
            }
        }
        for (_, i) in store.lookup("ivrs", .phoneNumber, n) where i.values(at: "dnis[]").contains(.string(n)) {
            if let id = i["id"]?.stringValue { return NumberOwner(kind: "ivrs", id: id, type: "IVR_CONFIG", name: i["name"]?.stringValue) }
        }
        for (_, g) in store.lookup("groups", .phoneNumber, n) where g.values(at: "addresses[]").contains(where: { $0["address"]?.stringValue == n }) {
            if let id = g["id"]?.stringValue { return NumberOwner(kind: "groups", id: id, type: "GROUP", name: g["name"]?.stringValue) }
        }
        return nil
    }

    /// Read-only fields the platform adds to responses.
    func decorate(_ kind: ResourceKind, _ o: inout JSONObject) {
        switch kind.name {
        case "users":
            o["username"] = o["email"]
            if let e = o["email"] { o["primaryContactInfo"] = [["address": e, "mediaType": "EMAIL", "type": "PRIMARY"]] }
            if o["acdAutoAnswer"] == nil { o["acdAutoAnswer"] = false }
            o["password"] = nil  // write-only
        case "presencedefinitions":
            if o["type"] == nil { o["type"] = "User" }
            if o["deactivated"] == nil { o["deactivated"] = false }
            if o["systemPresence"] == nil { o["systemPresence"] = "Available" }
        case "extensionpools":
            if o["name"] == nil { o["name"] = .string("\(o["startNumber"]?.stringValue ?? "")-\(o["endNumber"]?.stringValue ?? "")") }
        case "didpools":
            if o["name"] == nil { o["name"] = .string("\(o["startPhoneNumber"]?.stringValue ?? "")-\(o["endPhoneNumber"]?.stringValue ?? "")") }
            if o["provider"] == nil { o["provider"] = "PURE_CLOUD" }
        case "divisions":
            if o["homeDivision"] == nil { o["homeDivision"] = false }
        case "flows":
            if o["active"] == nil { o["active"] = false }
            o["deleted"] = false
            o["system"] = false
        case "groups":
            o["memberCount"] = .int(Int64(store.links["groupMembers"]?[o["id"]?.stringValue ?? ""]?.count ?? 0))
        case "queues":
            o["memberCount"] = .int(Int64(store.links["queueMembers"]?[o["id"]?.stringValue ?? ""]?.count ?? 0))
        case "skills", "languages":
            // The SDK models `RoutingSkill.version` as a string.
            if let v = o["version"]?.intValue { o["version"] = .string(String(v)) }
        default: break
        }
    }

    func afterWrite(_ kind: ResourceKind, _ o: JSONObject) {}

    func afterDelete(_ kind: ResourceKind, _ id: String) {
        switch kind.name {
        case "queues":
            store.links["queueMembers"]?[id] = nil
            store.links["queueWrapupcodes"]?[id] = nil
        case "groups":
            store.links["groupMembers"]?[id] = nil
            store.settings["voicemailGroupPolicy"]?[id] = nil
        case "flows":
            store.links["flowDeps"]?[id] = nil
        case "phones":
            for (uid, s) in store.settings["userStation"] ?? [:] {
                for key in ["associatedStation", "defaultStation"] {
                    if let sid = s[key]?.stringValue, station(sid) == nil { store.settings["userStation"]?[uid]?[key] = nil }
                }
            }
        default: break
        }
    }

    /// Stations are the lines of phones (§2.16): one station per line, id = line id.
    func stations() -> [JSONObject] {
        var out: [JSONObject] = []
        let assoc = store.settings["userStation"] ?? [:]
        for p in store.all("phones") {
            for l in p["lines"]?.arrayValue ?? [] {
                guard let lid = l["id"]?.stringValue else { continue }
                let user = assoc.first { $0.value["associatedStation"]?.stringValue == lid }?.key
                let webrtc = p["webRtcUser"]?["id"]
                var s: JSONObject = ["id": .string(lid), "name": l["name"] ?? p["name"] ?? .null,
                                     "status": .string(user == nil ? "AVAILABLE" : "ASSOCIATED"),
                                     "type": .string(webrtc == nil ? "inin_remote" : "inin_webrtc_softphone"),
                                     "lineAppearanceId": .string(lid), "selfUri": .string("/api/v2/stations/\(lid)")]
                if let user { s["userId"] = .string(user) }
                if let webrtc { s["webRtcUserId"] = webrtc }
                out.append(s)
            }
        }
        return out
    }

    func station(_ id: String) -> JSONObject? { stations().first { $0["id"]?.stringValue == id } }
}
