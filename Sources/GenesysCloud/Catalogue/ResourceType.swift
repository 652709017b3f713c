import Common
import Foundation

/// Every kind of Genesys Cloud object the bundle carries or refers to: the single source of truth
/// for the transform (type names, contract models, natural keys), the uploader (endpoints,
/// lookups, batch limits, duplicate errors) and the sandbox (what to serve).
///
/// The raw value is the bundle type name used in file paths and in `@ref:<type>/<key>`.
public enum ResourceType: String, Sendable, Hashable, Codable, CaseIterable, Comparable {
    // Org structure and routing data.
    case divisions
    case routingSkills = "routing-skills"
    case routingLanguages = "routing-languages"
    case wrapupCodes = "wrapup-codes"
    case presenceDefinitions = "presence-definitions"
    // Telephony number space and devices.
    case extensionPools = "extension-pools"
    case didPools = "did-pools"
    case phoneBaseSettings = "phone-base-settings"
    // People.
    case users
    case userUpdates = "user-updates"
    case userRoutingSkills = "user-routing-skills"
    case callForwarding = "call-forwarding"
    case voicemailPolicies = "voicemail-policies"
    case groups
    case groupMembers = "group-members"
    case groupRingPolicies = "group-ring-policies"
    // Routing.
    case queues
    case queueMembers = "queue-members"
    case queueMemberRings = "queue-member-rings"
    case queueWrapupCodes = "queue-wrapup-codes"
    // Devices bound to people.
    case phones
    case stations
    // Architect.
    case schedules
    case scheduleGroups = "schedule-groups"
    case prompts
    case ivrs
    // Pre-existing objects that are referenced (`@ext:`) but never created by the bundle.
    case sites
    case locations
    case flows

    /// The catalogue entry with the shipped (research-based) facts.
    public var spec: ResourceSpec { ResourceCatalogue.standard[self] }

    /// Position in the standard creation order (research §7); lower first.
    public var order: Int { Self.allCases.firstIndex(of: self) ?? 0 }

    public static func < (a: ResourceType, b: ResourceType) -> Bool { a.order < b.order }
}

/// An HTTP operation on a path template. Placeholders: `{id}` (this object's id) and
/// `{parentId}` (the owning object's id, for child types).
public struct Endpoint: Sendable, Hashable, CustomStringConvertible {
    public var method: HTTPMethod
    public var path: String

    public init(_ method: HTTPMethod, _ path: String) {
        self.method = method
        self.path = path
    }

    /// Fills the placeholders, percent-encoding the ids.
    public func path(id: String? = nil, parentId: String? = nil) throws -> String {
        var p = path
        for (name, value) in [("{id}", id), ("{parentId}", parentId)] where p.contains(name) {
            guard let value, !value.isEmpty else {
                throw GenesysClientError.invalidRequest("\(path) needs a value for \(name)")
            }
            p = p.replacingOccurrences(of: name, with: Endpoint.encodePathSegment(value))
        }
        return p
    }

    static func encodePathSegment(_ s: String) -> String {
        var allowed = CharacterSet.urlPathAllowed
        allowed.remove(charactersIn: "/?#")
        return s.addingPercentEncoding(withAllowedCharacters: allowed) ?? s
    }

    public var description: String { "\(method.rawValue) \(path)" }
}

/// How an existing object is found by its natural key, so that a re-run adopts instead of
/// creating twice (the platform has no idempotency keys; research §6).
public enum LookupStrategy: Sendable, Hashable {
    /// `GET path?<parameter>=<key>&pageSize&pageNumber`, all pages, then an exact, case-sensitive
    /// comparison of `field` with the key (list filters are prefix or wildcard matches).
    case listFilter(path: String, parameter: String, field: String)
    /// `GET path?pageSize&pageNumber` over all pages, exact comparison of `field` client-side
    /// (no server filter exists).
    case scan(path: String, field: String)
    /// `POST path` with `{"query":[{"fields":[field],"value":key,"type":"EXACT"}]}`; results in
    /// `results`. Search indexes lag writes by seconds (research §1).
    case search(path: String, field: String)
    /// One object per parent (settings such as call forwarding): read it at `Endpoint` of the
    /// spec's `read`; writing is an idempotent PUT/PATCH, so no lookup is needed.
    case singleton
    /// Membership-style children: set semantics, re-adding is harmless; read the parent's list.
    case membership(path: String)
    /// No lookup; the uploader relies on its ledger.
    case none
}

/// How the platform answers a create whose natural key already exists.
public struct DuplicateSignature: Sendable, Hashable, CustomStringConvertible {
    public var status: Int
    public var code: String
    /// False where research could not confirm the status or code on a live org ([verify]).
    public var verified: Bool

    public init(status: Int, code: String, verified: Bool) {
        self.status = status
        self.code = code
        self.verified = verified
    }

    public var description: String { "\(status) \(code)\(verified ? "" : " [verify]")" }
}

/// What a PUT/PATCH needs.
public struct UpdateSpec: Sendable, Hashable {
    public var endpoint: Endpoint
    /// Contract model of the body.
    public var model: String?
    /// The body must carry the object's current `version` (optimistic concurrency; 409 on a stale
    /// one, or 400 "does not match the current version").
    public var needsVersion: Bool
    /// PUT replaces the whole object: send every field, not just changes.
    public var replacesWhole: Bool

    public init(_ endpoint: Endpoint, model: String?, needsVersion: Bool, replacesWhole: Bool) {
        self.endpoint = endpoint
        self.model = model
        self.needsVersion = needsVersion
        self.replacesWhole = replacesWhole
    }
}

/// Everything the product knows about one resource type.
public struct ResourceSpec: Sendable, Hashable {
    public var type: ResourceType
    /// Contract model of the create body (of one element when `bodyIsArray`).
    public var model: String?
    /// The create body is a JSON array of `model` items (bulk endpoints).
    public var bodyIsArray: Bool
    /// Create (or, for settings, the idempotent write). nil: never created by the bundle.
    public var create: Endpoint?
    /// Success statuses of the create (most creates answer 200, not 201; group members 202).
    public var createStatuses: Set<Int>
    /// Replaying the create after an unknown outcome is harmless (PUT settings, set-like member
    /// adds), so the client may retry it automatically.
    public var createIsIdempotent: Bool
    public var read: Endpoint?
    public var update: UpdateSpec?
    public var delete: Endpoint?
    /// Deleted objects linger (state `deleted` or deactivated) and keep their natural key reserved.
    public var softDelete: Bool
    public var lookup: LookupStrategy
    /// The payload field holding the natural key (`name`, `email`, …), dotted for nested fields.
    public var naturalKey: String?
    /// Maximum items per bulk request.
    public var batchLimit: Int?
    /// For child types: the owner, whose id fills `{parentId}`.
    public var parent: ResourceType?
    /// Payload fields the uploader adds at send time (e.g. `version`, read just before a PATCH);
    /// contract validation of bundle payloads fills them with placeholders.
    public var fieldsAddedAtSend: [String]
    /// Known duplicate answers of the create. Where none is verified, the client also accepts the
    /// tolerant rule (`409`, or a code starting with `duplicate`); see `isDuplicate`.
    public var duplicates: [DuplicateSignature]
    /// Research notes worth showing to an operator (eventual consistency, odd rules).
    public var notes: [String]

    public init(type: ResourceType, model: String?, bodyIsArray: Bool = false, create: Endpoint?,
                createStatuses: Set<Int> = [200], createIsIdempotent: Bool = false, read: Endpoint?,
                update: UpdateSpec?, delete: Endpoint?, softDelete: Bool = false, lookup: LookupStrategy,
                naturalKey: String?, batchLimit: Int? = nil, parent: ResourceType? = nil,
                fieldsAddedAtSend: [String] = [], duplicates: [DuplicateSignature] = [], notes: [String] = []) {
        self.type = type
        self.model = model
        self.bodyIsArray = bodyIsArray
        self.create = create
        self.createStatuses = createStatuses
        self.createIsIdempotent = createIsIdempotent
        self.read = read
        self.update = update
        self.delete = delete
        self.softDelete = softDelete
        self.lookup = lookup
        self.naturalKey = naturalKey
        self.batchLimit = batchLimit
        self.parent = parent
        self.fieldsAddedAtSend = fieldsAddedAtSend
        self.duplicates = duplicates
        self.notes = notes
    }

    /// Whether an error answer to the create means "already exists". Exact signatures first;
    /// unless a verified signature exists, also the tolerant rule, because research could not
    /// confirm the live behaviour ([verify] in research §6).
    public func isDuplicate(_ e: GenesysAPIError) -> Bool {
        if duplicates.contains(where: { $0.status == e.status && $0.code == e.code }) { return true }
        if duplicates.contains(where: \.verified) { return false }
        return e.status == 409 || (e.code?.hasPrefix("duplicate") ?? false)
    }

    /// Validates a bundle payload (the create body) against the contract, filling
    /// `fieldsAddedAtSend` with placeholders first.
    public func validate(_ payload: JSONValue, validator: ContractValidator = ContractValidator()) -> [ContractViolation] {
        guard let model else { return [] }
        func fill(_ v: JSONValue) -> JSONValue {
            guard case .object(var o) = v else { return v }
            for f in fieldsAddedAtSend where o[f] == nil { o[f] = f == "version" ? .int(1) : .string("placeholder") }
            return .object(o)
        }
        if bodyIsArray {
            guard let items = payload.arrayValue else {
                return [ContractViolation(model: model, path: "", rule: .wrongType, message: "expected an array of \(model)")]
            }
            var out: [ContractViolation] = []
            for (i, item) in items.enumerated() {
                out += validator.validate(fill(item), as: model).map {
                    var v = $0
                    v.path = "[\(i)]" + ($0.path.isEmpty ? "" : ".\($0.path)")
                    return v
                }
            }
            return out
        }
        return validator.validate(fill(payload), as: model)
    }
}
