import Common
import Foundation
import Yams

/// What the uploader needs to know of an Archy YAML flow before publishing it: its type and
/// Genesys name (name + type are unique in an org, research §2.13), read with a real YAML parser.
public struct ArchyFlowHeader: Sendable, Hashable {
    /// The top-level key (`inboundCall`, `inqueueCall`, …).
    public var archyType: String
    /// The API's flow type (`INBOUNDCALL`, `INQUEUECALL`, …).
    public var apiType: String
    public var name: String
    public var division: String?
    public var description: String?

    /// Archy top-level keys and the API's `Flow.type` values (research §2.13, §8).
    public static let apiTypes: [String: String] = [
        "inboundCall": "INBOUNDCALL", "inqueueCall": "INQUEUECALL", "outboundCall": "OUTBOUNDCALL",
        "inboundEmail": "INBOUNDEMAIL", "inboundShortMessage": "INBOUNDSHORTMESSAGE", "inboundChat": "INBOUNDCHAT",
        "inqueueEmail": "INQUEUEEMAIL", "inqueueShortMessage": "INQUEUESHORTMESSAGE", "workflow": "WORKFLOW",
        "commonModule": "COMMONMODULE", "voicemail": "VOICEMAIL", "secureCall": "SECURECALL", "bot": "BOT",
        "digitalBot": "DIGITALBOT", "voiceSurvey": "VOICESURVEY", "workitem": "WORKITEM",
    ]

    /// Parses the header; the error says what is wrong so a reviewer can fix the flow file.
    public static func parse(_ yaml: String) throws(FlowPublishError) -> ArchyFlowHeader {
        let root: Any?
        do { root = try Yams.load(yaml: yaml) } catch {
            throw .invalidFlow("not valid YAML: \(error)")
        }
        guard let top = root as? [String: Any], top.count == 1, let (key, value) = top.first else {
            throw .invalidFlow("an Archy flow file has exactly one top-level key naming the flow type (e.g. inboundCall)")
        }
        guard let apiType = apiTypes[key] else {
            throw .invalidFlow("unknown flow type \"\(key)\"; expected one of \(apiTypes.keys.sorted().joined(separator: ", "))")
        }
        guard let body = value as? [String: Any], let name = body["name"] as? String,
              !name.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw .invalidFlow("\(key) has no name")
        }
        return ArchyFlowHeader(archyType: key, apiType: apiType, name: name, division: body["division"] as? String,
                               description: body["description"] as? String)
    }

    /// The fields of the platform's `Flow` object this header fixes (compared by plan and reconcile).
    public var identity: JSONValue { ["name": .string(name), "type": .string(apiType)] }
}

/// A flow job as the platform reports it (`ArchitectJobStateResponse`).
public struct FlowJobState: Sendable, Hashable {
    public enum Status: String, Sendable { case registered = "Registered", started = "Started", success = "Success", failure = "Failure" }
    public var id: String
    public var status: Status?
    public var statusText: String
    public var flowID: String?
    public var messages: [String]

    public var finished: Bool { status == .success || status == .failure }
}

/// Why publishing a flow failed.
public enum FlowPublishError: LocalizedError, Sendable, Equatable {
    /// The bundle's YAML is not a flow the uploader can publish.
    case invalidFlow(String)
    /// The job ended in `Failure`: the platform's messages (missing dependencies, Archy errors).
    case failed(job: String, messages: [String])
    /// The job did not finish in time; it may still publish. Run apply again: the flow is looked
    /// up by name before anything is published again.
    case timedOut(job: String, status: String, seconds: Double)
    /// The answer to the job registration lacks its id or upload URL.
    case invalidJob(String)

    public var errorDescription: String? {
        switch self {
        case .invalidFlow(let m):
            return "flow file: \(m)"
        case .failed(let job, let messages):
            return "flow job \(job) failed: " + (messages.isEmpty ? "no message given" : messages.joined(separator: " | "))
                + "; check that every queue, schedule group, prompt and division the flow names exists, then run apply again"
        case .timedOut(let job, let status, let s):
            return "flow job \(job) still \(status) after \(Int(s)) s; run apply again (the flow is looked up by name first) or raise --flow-timeout"
        case .invalidJob(let m):
            return "flow job registration: \(m)"
        }
    }
}

/// How flow jobs are polled. Terraform's provider polls every 15 s; small flows publish in
/// seconds, so the default polls sooner and backs off.
public struct FlowJobPolicy: Sendable {
    public var firstPoll: Duration = .seconds(1)
    public var maxPoll: Duration = .seconds(15)
    public var timeout: Duration = .seconds(900)
    public init() {}
}

extension GenesysClient {
    static let flowJobsPath = "/api/v2/flows/jobs"

    /// `POST /api/v2/flows/jobs` (no body: the SDK declares none): a job and the presigned URL to
    /// upload the YAML to. Registering changes nothing in the org, so a lost answer only leaves an
    /// unused job behind.
    public func registerFlowJob() async throws -> (id: String, uploadURL: String, headers: HTTPHeaders) {
        let response = try await send(APIRequest(.POST, Self.flowJobsPath, template: Self.flowJobsPath, idempotent: true))
        let json = try response.json()
        guard let id = json["id"]?.stringValue, let url = json["presignedUrl"]?.stringValue, !url.isEmpty else {
            throw FlowPublishError.invalidJob("the answer has no id or presignedUrl")
        }
        var headers = HTTPHeaders()
        if case .object(let h)? = json["headers"] {
            for (k, v) in h { if let s = v.stringValue { headers[k] = s } }
        }
        return (id, url, headers)
    }

    /// `PUT` of the YAML to the presigned URL, without the bearer token (the URL carries its own
    /// signature). Idempotent, so transient failures are retried. The URL is never logged whole:
    /// its query string is a credential.
    public func uploadFlowFile(to url: String, headers: HTTPHeaders, yaml: String) async throws {
        guard let parsed = URL(string: url), let scheme = parsed.scheme?.lowercased(), scheme == "https" || scheme == "http" else {
            throw FlowPublishError.invalidJob("the upload URL is not an http(s) URL")
        }
        // Plain http only when the API itself is plain http (the sandbox on loopback).
        if scheme == "http", !configuration.environment.apiBaseURL.lowercased().hasPrefix("http://") {
            throw FlowPublishError.invalidJob("the upload URL is not https while the API is; refusing to send the flow in clear text")
        }
        var h = headers
        if h["Content-Type"] == nil { h["Content-Type"] = "application/octet-stream" }
        h["Authorization"] = nil
        let label = "PUT \(Self.uploadTarget(url))"
        try await sendUnauthenticated(HTTPRequest(method: .PUT, url: url, headers: h, body: Data(yaml.utf8)), label: label)
    }

    /// How the ledger, the results log and messages name a presigned upload URL: scheme, host and
    /// the first two path segments; never its query string, which is a credential.
    public static func uploadTarget(_ url: String) -> String {
        guard let u = URL(string: url) else { return "presigned upload URL" }
        let head = u.path.split(separator: "/").prefix(2).map { "/\($0)" }.joined()
        return "\(u.scheme ?? "https")://\(u.host ?? "?")\(u.port.map { ":\($0)" } ?? "")\(head)/…"
    }

    /// `GET /api/v2/flows/jobs/{id}?expand=messages`.
    public func flowJob(_ id: String) async throws -> FlowJobState {
        let template = "\(Self.flowJobsPath)/{id}"
        let json = try await send(APIRequest(.GET, "\(Self.flowJobsPath)/\(id)", template: template, query: [("expand", "messages")])).json()
        let text = json["status"]?.stringValue ?? "?"
        let messages = (json["messages"]?.arrayValue ?? []).compactMap { m -> String? in
            guard let t = m["text"]?.stringValue else { return nil }
            return m["type"]?.stringValue.map { "\($0): \(t)" } ?? t
        }
        return FlowJobState(id: id, status: FlowJobState.Status(rawValue: text), statusText: text,
                            flowID: json["flow"]?["id"]?.stringValue, messages: messages)
    }

    /// Polls a job until it succeeds (returns the flow id) or fails (throws with its messages).
    public func waitForFlowJob(_ id: String, policy: FlowJobPolicy = .init()) async throws -> String {
        let started = ContinuousClock.now
        var wait = policy.firstPoll
        while true {
            let state = try await flowJob(id)
            switch state.status {
            case .success?:
                guard let flow = state.flowID else { throw FlowPublishError.invalidJob("job \(id) succeeded without a flow id") }
                return flow
            case .failure?:
                throw FlowPublishError.failed(job: id, messages: state.messages)
            default:
                let elapsed = ContinuousClock.now - started
                if elapsed >= policy.timeout {
                    throw FlowPublishError.timedOut(job: id, status: state.statusText, seconds: elapsed.secondsValue)
                }
                try await Task.sleep(for: wait)
                wait = min(policy.maxPoll, wait * 2)
            }
        }
    }

    /// Flows with exactly this name and type (`GET /api/v2/flows?name=…&type=…`); the listing's
    /// name filter is a substring match, so the result is filtered exactly.
    public func findFlows(name: String, apiType: String) async throws -> [JSONValue] {
        try await list("/api/v2/flows", query: [("name", name), ("type", apiType.lowercased())], template: "/api/v2/flows").filter {
            $0["name"]?.stringValue == name && $0["type"]?.stringValue?.uppercased() == apiType.uppercased()
                && $0["deleted"]?.boolValue != true
        }
    }
}
