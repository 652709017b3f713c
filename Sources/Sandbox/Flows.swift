import Common
import Foundation
import GenesysCloud

/// Flow jobs (§2.13): register → PUT the Archy YAML to a presigned URL the sandbox serves itself
/// → Started → Success/Failure. Publishing fails when the YAML has a key the shared Archy key
/// table (`ArchyKeys`, docs/archy.md) does not know, or names a queue or schedule group the org
/// does not have (§8); keys the table only believes publish with a warning. Prompts and their
/// audio resources live here too.
extension GenesysEngine {
    func architectRoutes(_ r: SandboxRequest, _ at: (String, String) -> [String]?) throws(APIError) -> SandboxResponse? {
        if at("POST", "/api/v2/flows/jobs") != nil {
            let id = newId()
            let sig = SHA256Digest.hex("\(id)|\(store.rng.next())").prefix(32)
            let job = FlowJob(id: id, status: "Registered", signature: String(sig), registeredAt: clock.now())
            store.jobs[id] = job
            dirty = true
            return .json(["id": .string(id), "presignedUrl": .string(presignedURL(job)),
                          "headers": ["Content-Type": "application/octet-stream"]])
        }
        if let p = at("GET", "/api/v2/flows/jobs/{}") {
            guard var job = store.jobs[p[0]] else { throw .notFound("The job \(p[0]) was not found.") }
            advance(&job)
            store.jobs[job.id] = job
            var o: JSONObject = ["id": .string(job.id), "status": .string(job.status), "command": "Publish",
                                 "selfUri": .string("/api/v2/flows/jobs/\(job.id)")]
            if let f = job.flowId { o["flow"] = ref(f, job.flowName, "/api/v2/flows/\(f)") }
            if r.q("expand")?.contains("messages") == true { o["messages"] = .array(job.messages.map { .object($0) }) }
            return .json(.object(o))
        }
        // Prompt audio resources (one per language) with an upload URL served by the sandbox.
        if let p = at("POST", "/api/v2/architect/prompts/{}/resources") {
            guard store.get("prompts", p[0]) != nil else { throw .notFound("The prompt \(p[0]) was not found.") }
            let body = try parseObject(r)
            guard let lang = body["language"]?.stringValue else { throw APIError(400, "required.field.missing", "The field [language] is required.") }
            if store.links["promptResources"]?[p[0]]?[lang] != nil {
                throw APIError(409, "general.conflict", "A resource for language \(lang) already exists.")
            }
            var o = body
            o["id"] = .string(lang)
            o["promptId"] = .string(p[0])
            o["uploadStatus"] = "created"
            o["uploadUri"] = .string("\(baseURL)/sandbox/uploads/prompts/\(p[0])/\(lang)")
            o["selfUri"] = .string("/api/v2/architect/prompts/\(p[0])/resources/\(lang)")
            store.links["promptResources", default: [:]][p[0], default: [:]][lang] = o
            dirty = true
            return .json(.object(o))
        }
        if let p = at("GET", "/api/v2/architect/prompts/{}/resources") {
            guard store.get("prompts", p[0]) != nil else { throw .notFound("The prompt \(p[0]) was not found.") }
            let items = (store.links["promptResources"]?[p[0]] ?? [:]).values.map { JSONValue.object($0) }
            return .json(try Paging(r).listing(items, path: r.path, request: r))
        }
        if let p = at("GET", "/api/v2/architect/prompts/{}/resources/{}") {
            guard let o = store.links["promptResources"]?[p[0]]?[p[1]] else { throw .notFound("The prompt resource was not found.") }
            return .json(.object(o))
        }
        if let p = at("DELETE", "/api/v2/architect/prompts/{}/resources/{}") {
            guard store.links["promptResources"]?[p[0]]?[p[1]] != nil else { throw .notFound("The prompt resource was not found.") }
            store.links["promptResources"]?[p[0]]?[p[1]] = nil
            dirty = true
            return .empty()
        }
        return nil
    }

    func presignedURL(_ job: FlowJob) -> String {
        "\(baseURL)/sandbox/uploads/flowjobs/\(job.id)?signature=\(job.signature)"
    }

    /// `PUT /sandbox/uploads/flowjobs/{id}?signature=…` — the S3 stand-in. No bearer token, as
    /// with a real presigned URL; a wrong signature is refused like S3 would.
    func uploadFlowYAML(_ id: String, _ r: SandboxRequest) throws(APIError) -> SandboxResponse {
        guard var job = store.jobs[id] else { throw .notFound("No upload is expected at this URL.") }
        guard r.q("signature") == job.signature else { throw APIError(403, "SignatureDoesNotMatch", "The request signature does not match.") }
        guard job.status == "Registered" else { throw APIError(409, "general.conflict", "The job has already received its file.") }
        guard let text = String(data: r.body, encoding: .utf8), !text.isEmpty else { throw APIError.badRequest("The upload is empty.") }
        job.yaml = text
        job.status = "Started"
        job.startedAt = clock.now()
        store.jobs[id] = job
        dirty = true
        return .empty()
    }

    /// Finishes a started job once its time is up; publishing runs then, against the org as it
    /// is at that moment (the platform resolves names at publish time).
    func advance(_ job: inout FlowJob) {
        guard job.status == "Started", let t = job.startedAt, clock.now() >= t + config.flowJobSeconds, let yaml = job.yaml else { return }
        let now = ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: clock.now()))
        func fail(_ msgs: [String]) {
            job.status = "Failure"
            job.messages = msgs.map { ["type": "Error", "text": .string($0), "dateTime": .string(now)] }
            job.yaml = nil
            dirty = true
        }
        let doc = ArchyDocument.parse(yaml)
        guard let type = doc.flowType, let name = doc.name, !name.isEmpty else {
            return fail(["Unable to read the flow configuration: a flow type key (e.g. inboundCall) with a name is required. Setting the Archy exit code to 101"])
        }
        guard let apiType = ArchyDocument.apiTypes[type] else {
            return fail(["Flow type '\(type)' is not supported."])
        }
        // Archy validates the document against its flow object model before resolving names.
        let keys: ArchyKeys.Audit
        do { keys = try ArchyKeys.audit(yaml) } catch {
            return fail(["Unable to read the flow configuration: \(error.localizedDescription). Setting the Archy exit code to 101"])
        }
        if !keys.unknown.isEmpty {
            return fail(keys.unknown.map { f in
                "Unknown property '\(f.key)' at \(f.path): '\(f.parent.isEmpty ? "(document)" : f.parent)' has no property named '\(f.key)'."
            } + ["The flow configuration is not valid. Setting the Archy exit code to 101"])
        }
        var missing: [String] = []
        var deps: [String: JSONObject] = [:]
        for q in doc.queues {
            if let o = store.all("queues").first(where: { $0["name"]?.stringValue?.lowercased() == q.lowercased() }), let id = o["id"]?.stringValue {
                deps[id] = ["kind": "queues", "name": .string(q)]
            } else { missing.append("Unable to find a queue named '\(q)'.") }
        }
        for g in doc.scheduleGroups {
            if let o = store.all("schedulegroups").first(where: { $0["name"]?.stringValue?.lowercased() == g.lowercased() }), let id = o["id"]?.stringValue {
                deps[id] = ["kind": "schedulegroups", "name": .string(g)]
            } else { missing.append("Unable to find a schedule group named '\(g)'.") }
        }
        if let d = doc.division, !store.all("divisions").contains(where: { $0["name"]?.stringValue?.lowercased() == d.lowercased() }) {
            missing.append("Unable to find a division named '\(d)'.")
        }
        if !missing.isEmpty {
            return fail(missing + ["architect.flow.cannot.publish.missing.dependencies: the flow has missing dependencies. Setting the Archy exit code to 107"])
        }
        guard let fk = kinds["flows"] else { return }
        let existing = store.all("flows").first {
            $0["type"]?.stringValue == apiType && $0["name"]?.stringValue?.lowercased() == name.lowercased()
        }
        var flow: JSONObject
        if var f = existing, let fid = f["id"]?.stringValue {
            let pv = (f["publishedVersion"]?["id"]?.stringValue).flatMap { Int($0) } ?? 0
            f["publishedVersion"] = ["id": .string(String(pv + 1))]
            f["version"] = .int((f["version"]?.intValue ?? 1) + 1)
            f["active"] = true
            // Archy sets the flow's description from the YAML on every publish.
            if let d = doc.description { f["description"] = .string(d) }
            store.put("flows", f)
            mutated(fid, f)
            flow = f
        } else {
            var body: JSONObject = ["name": .string(name), "type": .string(apiType)]
            if let d = doc.description { body["description"] = .string(d) }
            if let dn = doc.division, let div = store.all("divisions").first(where: { $0["name"]?.stringValue?.lowercased() == dn.lowercased() }) {
                body["division"] = ["id": div["id"] ?? .null]
            }
            do throws(APIError) {
                flow = try create(fk, body)
            } catch {
                return fail([error.message])
            }
            flow["active"] = true
            flow["publishedVersion"] = ["id": "1"]
            store.put("flows", flow)
        }
        guard let fid = flow["id"]?.stringValue else { return }
        store.links["flowDeps", default: [:]][fid] = deps
        job.status = "Success"
        job.flowId = fid
        job.flowName = name
        // Keys the table lists without Genesys-owned evidence publish, but the job says so.
        job.messages = keys.unverified.map {
            ["type": "Warning", "text": .string("Property '\($0.key)' at \($0.path) is not attested in Genesys-owned Archy YAML (docs/archy.md)."),
             "dateTime": .string(now)]
        }
        job.yaml = nil
        dirty = true
    }
}

/// A deliberately loose reading of Archy YAML: the flow type, its name, and the names of the
/// queues and schedule groups it refers to. Tolerant of formatting; not a YAML parser.
struct ArchyDocument {
    var flowType: String?
    var name: String?
    var description: String?
    var division: String?
    var queues: [String] = []
    var scheduleGroups: [String] = []

    static let apiTypes: [String: String] = [
        "inboundCall": "INBOUNDCALL", "inqueueCall": "INQUEUECALL", "outboundCall": "OUTBOUNDCALL",
        "inboundEmail": "INBOUNDEMAIL", "inboundShortMessage": "INBOUNDSHORTMESSAGE", "inboundChat": "INBOUNDCHAT",
        "workflow": "WORKFLOW", "commonModule": "COMMONMODULE", "inqueueEmail": "INQUEUEEMAIL",
        "inqueueShortMessage": "INQUEUESHORTMESSAGE", "voicemail": "VOICEMAIL", "secureCall": "SECURECALL",
        "bot": "BOT", "digitalBot": "DIGITALBOT", "voiceSurvey": "VOICESURVEY", "workitem": "WORKITEM",
    ]
    static let queueKeys: Set<String> = ["targetQueue", "queue"]
    static let scheduleGroupKeys: Set<String> = ["scheduleGroup", "targetScheduleGroup"]

    static func parse(_ text: String) -> ArchyDocument {
        var d = ArchyDocument()
        let lines = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).map(String.init)
        func indent(_ l: String) -> Int { l.prefix { $0 == " " || $0 == "-" }.count }
        func keyValue(_ l: String) -> (String, String)? {
            var t = l.trimmingCharacters(in: .whitespaces)
            while t.hasPrefix("- ") { t = String(t.dropFirst(2)).trimmingCharacters(in: .whitespaces) }
            guard let c = t.firstIndex(of: ":") else { return nil }
            let k = String(t[..<c]).trimmingCharacters(in: .whitespaces)
            var v = String(t[t.index(after: c)...]).trimmingCharacters(in: .whitespaces)
            if let hash = v.range(of: " #") { v = String(v[..<hash.lowerBound]) }
            return (k, unquote(v))
        }
        var topIndent: Int?
        for (i, raw) in lines.enumerated() {
            let l = raw.replacingOccurrences(of: "\t", with: "  ")
            let trimmed = l.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            guard let (k, v) = keyValue(l) else { continue }
            let ind = indent(l)
            if d.flowType == nil, ind == 0, v.isEmpty { d.flowType = k; continue }
            if d.flowType != nil, topIndent == nil, ind > 0 { topIndent = ind }
            if ind == topIndent {
                if k == "name", d.name == nil { d.name = v }
                if k == "description", d.description == nil { d.description = v }
                if k == "division", d.division == nil, !v.isEmpty { d.division = v }
            }
            let isQueue = queueKeys.contains(k), isGroup = scheduleGroupKeys.contains(k)
            guard isQueue || isGroup else { continue }
            // Inline: `targetQueue: {lit: {name: "Sales"}}`; block: a `name:` a few lines below.
            var found: String?
            if let r = v.range(of: #"name\s*:\s*("[^"]*"|'[^']*'|[^,}]+)"#, options: .regularExpression) {
                let part = String(v[r])
                if let c = part.firstIndex(of: ":") { found = unquote(String(part[part.index(after: c)...]).trimmingCharacters(in: .whitespaces)) }
            } else if v.isEmpty {
                for j in (i + 1)..<min(i + 6, lines.count) {
                    let next = lines[j]
                    if indent(next) <= ind && !next.trimmingCharacters(in: .whitespaces).isEmpty { break }
                    if let (nk, nv) = keyValue(next), nk == "name", !nv.isEmpty { found = nv; break }
                }
            }
            if let f = found?.trimmingCharacters(in: .whitespaces), !f.isEmpty {
                if isQueue { if !d.queues.contains(f) { d.queues.append(f) } } else if !d.scheduleGroups.contains(f) { d.scheduleGroups.append(f) }
            }
        }
        return d
    }

    static func unquote(_ s: String) -> String {
        if s.count >= 2, (s.hasPrefix("\"") && s.hasSuffix("\"")) || (s.hasPrefix("'") && s.hasSuffix("'")) {
            return String(s.dropFirst().dropLast())
        }
        return s
    }
}
