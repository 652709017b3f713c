import Foundation
import Yams

/// The one table of Archy YAML keys this product may write (issue 14.4), each with the
/// Genesys-owned YAML that shows it. The flow writer (Migration/Flows) audits every flow it
/// renders against it, and the sandbox's flow job rejects a flow with a key the table does not
/// know, so the writer and the stand-in can never drift apart. docs/archy.md lists the same
/// entries for reviewers.
///
/// A key is identified by its parent key and its own name (`transferToAcd` › `targetQueue`);
/// sequence items inherit the key of the list (`tasks` › `task`). Archy's typed value wrappers
/// (`lit`, `exp`, `var`, `noValue`) may appear under any key.
public enum ArchyKeys {
    /// A Genesys-owned file that shows the key in that position.
    public struct Evidence: Sendable, Hashable {
        public var repo: String
        public var path: String
        public var commit: String
    }

    public enum Status: Sendable, Hashable {
        case attested(Evidence)
        /// Written although no Genesys-owned YAML shows it; the reason says why it is believed.
        /// Flows using such keys are flagged as unverified in the fidelity report.
        case unverified(String)
    }

    public struct Entry: Sendable, Hashable {
        public var parent: String
        public var key: String
        public var status: Status
        public var attested: Bool { if case .attested = status { true } else { false } }
    }

    /// Parent of the wrapper entries: any key.
    public static let anyParent = "*"

    // Sources (fetched snapshots; the YAML itself is not copied into this repository).
    static let tf = "MyPureCloud/terraform-provider-genesyscloud"
    static let tfCommit = "f955430e6bd4c0b56708d3abc06fb25a1e9031b7"
    static let tfHoliday = Evidence(repo: tf, path: "examples/resources/genesyscloud_architect_ivr/holiday_flow.yaml", commit: tfCommit)
    static let tfClosed = Evidence(repo: tf, path: "examples/resources/genesyscloud_architect_ivr/closedhours_flow.yaml", commit: tfCommit)
    static let tfOpen = Evidence(repo: tf, path: "examples/resources/genesyscloud_architect_ivr/openhours_flow.yaml", commit: tfCommit)
    static let tfInQueue = Evidence(repo: tf, path: "examples/resources/genesyscloud_flow/inqueuecall_default_example.yaml", commit: tfCommit)
    static let drEmergency = Evidence(repo: "GenesysCloudBlueprints/dr-fallback-ivr", path: "blueprint/terraform-ivr/DR-Emergency-IVR.yaml",
                                      commit: "3cdbdf8e2433f6a8de612f2cd4e6106bf7bc652d")
    static let checkQueue = Evidence(repo: "GenesysCloudBlueprints/architect-flow-public-api-blueprint", path: "blueprint/files/archy_flow.yml",
                                     commit: "f1050b91243eb4b43e921128fd3faa9477011f8d")
    static let callbackOffer = Evidence(repo: "GenesysCloudBlueprints/automated-callback-blueprint",
                                        path: "files/automated-powershell-script/flows/Proactive callback offer.yaml",
                                        commit: "c7dcdc0ec3e694fc4673ce9ddc73932063eaddfa")
    static let callPark = Evidence(repo: "GenesysCloudBlueprints/genesys-cloud-call-park",
                                   path: "terraform/modules/flows/call-park-agent-inbound-flow/call-park-agent-inbound-flow.yaml",
                                   commit: "5eaa8154647ebfa99385a81b8459e296a0b09b74")
    static let orbitRetrieval = Evidence(repo: "GenesysCloudBlueprints/genesys-cloud-call-park",
                                         path: "terraform/modules/flows/orbit-parked-call-retrieval/orbit-parked-call-retrieval.yaml",
                                         commit: "5eaa8154647ebfa99385a81b8459e296a0b09b74")

    static let switchToMessaging = Evidence(repo: "GenesysCloudBlueprints/switch-voice-to-web-messaging",
                                            path: "terraform/modules/in-queue-call-flow/Switch to Web Messaging via SMS.yaml",
                                            commit: "2a99a9374d60970598cc75446cb3c773e8b5aa11")

    static func a(_ parent: String, _ keys: [String], _ e: Evidence) -> [Entry] {
        keys.map { Entry(parent: parent, key: $0, status: .attested(e)) }
    }

    static func u(_ parent: String, _ keys: [String], _ why: String) -> [Entry] {
        keys.map { Entry(parent: parent, key: $0, status: .unverified(why)) }
    }

    /// Every entry, in the order docs/archy.md lists them.
    public static let entries: [Entry] = {
        var t: [Entry] = []
        // Value wrappers (any parent).
        t += a(anyParent, ["lit"], drEmergency)      // targetQueue: lit: name
        t += a(anyParent, ["exp"], drEmergency)      // audio: exp: AudioPlaybackOptions(…)
        t += a(anyParent, ["var"], callbackOffer)    // inputData: var: Task.input
        t += a(anyParent, ["noValue"], tfHoliday)    // defaultLanguageSkill: noValue: true
        t += a("lit", ["name"], tfOpen)
        // Flow documents.
        t += a("", ["inboundCall"], tfClosed)
        t += a("inboundCall", ["name", "description", "division", "defaultLanguage", "startUpRef", "menus"], tfClosed)
        t += a("inboundCall", ["tasks"], tfHoliday)
        t += a("", ["inqueueCall"], tfInQueue)
        t += a("inqueueCall", ["name", "description", "division", "defaultLanguage", "settingsInQueueCall", "startUpTaskActions"], tfInQueue)
        t += a("settingsInQueueCall", ["holdMusic"], tfInQueue)
        // Menus and tasks.
        t += a("menus", ["menu"], tfClosed)
        t += a("menu", ["name", "refId", "audio", "choices"], tfClosed)
        t += a("choices", ["menuDisconnect"], tfClosed)
        t += a("menuDisconnect", ["name", "dtmf"], tfClosed)
        t += a("choices", ["menuJumpToTask"], checkQueue)
        t += a("menuJumpToTask", ["name", "dtmf", "targetTaskRef"], checkQueue)
        t += a("choices", ["menuTransferToAcd"], callPark)
        t += a("menuTransferToAcd", ["name", "dtmf", "targetQueue", "priority"], callPark)
        t += a("tasks", ["task"], tfHoliday)
        t += a("task", ["name", "refId", "actions"], tfHoliday)
        // Actions in a task or an output.
        t += a("actions", ["playAudio", "disconnect"], tfHoliday)
        t += a("playAudio", ["name", "audio"], tfHoliday)
        t += a("audio", ["tts"], tfHoliday)
        t += a("disconnect", ["name"], tfHoliday)
        t += a("actions", ["transferToAcd", "transferToVoicemail", "jumpToMenu", "evaluateScheduleGroup"], drEmergency)
        t += a("transferToAcd", ["name", "targetQueue", "priority"], drEmergency)
        t += a("transferToVoicemail", ["name", "destination"], drEmergency)
        t += a("destination", ["queue"], drEmergency)
        t += a("queue", ["targetQueue"], drEmergency)
        t += a("jumpToMenu", ["name", "targetMenuRef"], drEmergency)
        t += a("evaluateScheduleGroup", ["name", "scheduleGroup", "evaluate", "outputs"], drEmergency)
        t += a("evaluate", ["now"], drEmergency)
        t += a("outputs", ["emergency", "failure"], drEmergency)
        t += a("emergency", ["actions"], drEmergency)
        t += a("failure", ["actions"], drEmergency)
        t += a("actions", ["decision"], checkQueue)
        t += a("decision", ["name", "condition", "outputs"], checkQueue)
        t += a("outputs", ["yes", "no", "success"], checkQueue)
        t += a("yes", ["actions"], checkQueue)
        t += a("no", ["actions"], checkQueue)
        t += a("success", ["actions"], checkQueue)
        t += a("actions", ["transferToFlow"], callbackOffer)
        t += a("transferToFlow", ["name", "targetFlow"], callbackOffer)
        t += a("targetFlow", ["name"], callbackOffer)
        t += a("actions", ["collectInput"], orbitRetrieval)
        t += a("collectInput", ["name", "inputData", "digits", "inputAudio"], callbackOffer)
        t += a("digits", ["exact"], callbackOffer)
        // In-queue actions.
        t += a("startUpTaskActions", ["holdMusic"], tfInQueue)
        t += a("holdMusic", ["name", "prompt", "playStyle"], tfInQueue)
        t += a("playStyle", ["entirePrompt"], tfInQueue)
        t += a("startUpTaskActions", ["playAudio", "disconnect"], callbackOffer)
        t += a("startUpTaskActions", ["decision"], switchToMessaging)
        // Believed, not shown by Genesys-owned YAML: flagged wherever a flow uses them.
        t += u("outputs", ["open", "closed", "holiday"],
               "Genesys-owned YAML shows evaluateScheduleGroup only with its `emergency` output; `open`, `closed` and `holiday` follow the action's other paths in Architect")
        for o in ["open", "closed", "holiday"] {
            t += u(o, ["actions"], "an output's action list, as under `emergency` (attested)")
        }
        t += u("actions", ["transferToNumber"],
               "Genesys-owned YAML shows `transferToNumber` only as a key of settingsActionDefaults (TF closedhours_flow.yaml), not as an action")
        t += u("transferToNumber", ["name", "targetNumber"], "no Genesys-owned YAML shows a transferToNumber action's fields")
        return t
    }()

    static let index: [String: Entry] = Dictionary(entries.map { ("\($0.parent)>\($0.key)", $0) }, uniquingKeysWith: { a, _ in a })

    /// The entry for `key` under `parent`, or a wrapper entry; nil when the table does not know it.
    public static func lookup(parent: String, key: String) -> Entry? {
        index["\(parent)>\(key)"] ?? index["\(anyParent)>\(key)"]
    }

    /// Keys of a document that are unknown to the table, and those only believed.
    public struct Audit: Sendable, Hashable {
        public struct Finding: Sendable, Hashable {
            /// Where in the document, e.g. `inboundCall.tasks[0].task.actions[2].loop`.
            public var path: String
            public var parent: String
            public var key: String
            /// `parent.key`, the way docs/archy.md names it.
            public var name: String { parent.isEmpty ? key : "\(parent).\(key)" }
        }
        public var unknown: [Finding] = []
        public var unverified: [Finding] = []
        public var clean: Bool { unknown.isEmpty && unverified.isEmpty }
    }

    /// Audits Archy YAML text against the table.
    public static func audit(_ yaml: String) throws(ArchyKeyError) -> Audit {
        let root: Node?
        do { root = try Yams.compose(yaml: yaml) } catch { throw .notYAML(String(describing: error)) }
        var out = Audit()
        if let root { walk(root, parent: "", path: "", &out) }
        return out
    }

    static func walk(_ n: Node, parent: String, path: String, _ out: inout Audit) {
        switch n {
        case .mapping(let m):
            for (k, v) in m {
                let key = k.string ?? ""
                let here = path.isEmpty ? key : "\(path).\(key)"
                switch lookup(parent: parent, key: key)?.status {
                case nil: out.unknown.append(.init(path: here, parent: parent, key: key))
                case .unverified?: out.unverified.append(.init(path: here, parent: parent, key: key))
                case .attested?: break
                }
                walk(v, parent: key, path: here, &out)
            }
        case .sequence(let s):
            for (i, item) in s.enumerated() { walk(item, parent: parent, path: "\(path)[\(i)]", &out) }
        default:
            break
        }
    }
}

public enum ArchyKeyError: Error, LocalizedError, Sendable, Hashable {
    case notYAML(String)

    public var errorDescription: String? {
        switch self {
        case .notYAML(let why): "the flow is not valid YAML: \(why)"
        }
    }
}
