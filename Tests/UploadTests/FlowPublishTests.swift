import BundleKit
import Common
import Foundation
import GenesysCloud
import Migration
import Testing
@testable import Upload

/// Flow publishing through flow jobs (bundle-spec.md section 9), against the Genesys sandbox.
@Suite struct FlowPublishTests {
    static func inbound(_ name: String, queue: String) -> String {
        """
        inboundCall:
          name: "\(name)"
          division: "Home"
          defaultLanguage: "en-us"
          startUpRef: "/inboundCall/tasks/task[t1]"
          tasks:
            - task:
                name: "Main"
                refId: "t1"
                actions:
                  - transferToAcd:
                      name: "To \(queue)"
                      targetQueue:
                        lit:
                          name: "\(queue)"
                  - disconnect:
                      name: "Done"
        """
    }

    static let inQueue = """
        inqueueCall:
          name: "Sales hold"
          division: "Home"
          defaultLanguage: "en-us"
          startUpTaskActions:
            - holdMusic:
                name: "Hold music"
                prompt:
                  exp: "PromptSystem.on_hold_music"
        """

    /// A queue ("Hotline") with an in-queue flow, an inbound flow that names the queue, and a call route.
    static func items(queueInFlow: String = "Hotline") -> [Item] {
        [
            Item(type: "flows", key: "sales-hold", json: .null, phase: 1, yaml: inQueue),
            Item(type: "did-pools", key: "main", json: ["startPhoneNumber": "+13175550100", "endPhoneNumber": "+13175550199",
                                                        "provider": "PURE_CLOUD"], phase: 1),
            Item(type: "queues", key: "hotline", json: ["name": "Hotline", "queueFlow": ["id": "@ref:flows/sales-hold"]],
                 phase: 2, deps: ["flows/sales-hold"]),
            Item(type: "flows", key: "main", json: .null, phase: 3, deps: ["queues/hotline"], yaml: inbound("Main line", queue: queueInFlow)),
            Item(type: "ivrs", key: "main", json: ["name": "Main line", "dnis": ["+13175550100"], "openHoursFlow": ["id": "@ref:flows/main"]],
                 phase: 4, deps: ["flows/main", "did-pools/main"]),
        ]
    }

    func jobRegistrations(_ org: SandboxOrg) async throws -> Int {
        try await org.mutating().filter { $0 == "POST /api/v2/flows/jobs" }.count
    }

    @Test func publishesFlowsAfterTheirDependenciesAndARerunPublishesNothing() async throws {
        let w = try await SandboxWorkspace.make(items: Self.items())
        defer { Task { await w.org.stop() } }
        let plan = try await w.plan()
        #expect(plan.count(.create) == 5 && plan.conflicts == 0, "\(plan.text)")
        let report = try await w.apply()
        #expect(report.complete, "\(report.text)")
        let flows = try await w.org.live("flows")
        #expect(flows.count == 2)
        #expect(flows.allSatisfy { $0["publishedVersion"]?["id"] != nil })
        let byName = Dictionary(uniqueKeysWithValues: flows.compactMap { f in f["name"]?.stringValue.map { ($0, f) } })
        let mainID = try #require(byName["Main line"]?["id"]?.stringValue)
        let holdID = try #require(byName["Sales hold"]?["id"]?.stringValue)
        #expect(byName["Main line"]?["type"]?.stringValue == "INBOUNDCALL")
        #expect(byName["Sales hold"]?["type"]?.stringValue == "INQUEUECALL")
        // The references to the flows carry the ids the jobs reported.
        #expect(try await w.org.live("ivrs").first?["openHoursFlow"]?["id"]?.stringValue == mainID)
        #expect(try await w.org.live("queues").first?["queueFlow"]?["id"]?.stringValue == holdID)
        // The ledger records the flow ids for the steps.
        let ledger = try #require(try Ledger.openExisting(path: Ledger.defaultPath(forBundle: w.bundle)))
        let steps = Dictionary(uniqueKeysWithValues: try ledger.steps().map { ($0.id, $0) })
        #expect(steps["flows/main"]?.genesysID == mainID && steps["flows/main"]?.origin == .created)
        #expect(try await jobRegistrations(w.org) == 2)

        let rec = try await w.reconcile()
        #expect(rec.clean && rec.count(.match) == 5, "\(rec.text)")

        let writes = try await w.org.mutating().count
        let again = try await w.apply()
        #expect(again.complete)
        #expect(try await w.org.mutating().count == writes, "a finished bundle publishes nothing new")
    }

    @Test func aFlowNamingAMissingQueueFailsWithThePlatformsMessage() async throws {
        let w = try await SandboxWorkspace.make(items: Self.items(queueInFlow: "Nowhere"))
        defer { Task { await w.org.stop() } }
        let report = try await w.apply()
        #expect(!report.complete)
        let failure = try #require(report.failures.first { $0.step == "flows/main" })
        #expect(failure.error.contains("Unable to find a queue named 'Nowhere'"), "\(failure.error)")
        #expect(report.failures.contains { $0.step == "ivrs/main" && $0.error.contains("flows/main") }, "the call route waits for its flow")
        #expect(try await w.org.live("ivrs").isEmpty)
        #expect(try await w.org.live("flows").count == 1)
    }

    @Test func anExistingFlowIsAConflictAndAdoptPublishesOverIt() async throws {
        let w = try await SandboxWorkspace.make(items: Self.items())
        defer { Task { await w.org.stop() } }
        _ = try await w.org.seed(["flows": [["name": "Sales hold", "type": "INQUEUECALL", "description": "built by hand"]]])
        let existing = try #require(try await w.org.live("flows").first?["id"]?.stringValue)

        let plan = try await w.plan()
        let item = try #require(plan.items.first { $0.step == "flows/sales-hold" })
        #expect(item.verdict == .conflict && item.existingID == existing)
        await #expect(throws: UploadError.self) { _ = try await w.apply() }
        #expect(try await jobRegistrations(w.org) == 0, "apply stops before publishing anything")

        var o = w.options
        o.adopt = true
        let report = try await w.apply(o)
        #expect(report.complete, "\(report.text)")
        let flows = try await w.org.live("flows")
        #expect(flows.count == 2)
        let hold = try #require(flows.first { $0["id"]?.stringValue == existing })
        #expect(hold["publishedVersion"]?["id"]?.stringValue == "1", "this bundle's version was published over the existing flow")
        let ledger = try #require(try Ledger.openExisting(path: Ledger.defaultPath(forBundle: w.bundle)))
        #expect(try ledger.steps().first { $0.id == "flows/sales-hold" }?.origin == .adopted)

        // Rollback removes what the bundle created and keeps the flow it found.
        let rb = try await w.rollback()
        #expect(rb.failures.isEmpty, "\(rb.text)")
        #expect(try await w.org.live("flows").map { $0["id"]?.stringValue } == [existing])
        #expect(try await w.org.live("ivrs").isEmpty)
        #expect(try await w.org.live("queues").isEmpty)
    }

    /// Publishing over an existing flow (--adopt) that times out and is resumed stays "adopted":
    /// rollback must never delete a flow the bundle did not create.
    @Test func aResumedPublishOverAnExistingFlowStaysAdopted() async throws {
        var settings = SandboxOrg.Settings()
        // The job outlasts the first apply's 200 ms budget by far, so a starved 2-core machine
        // cannot let it finish before that apply gives up (it did once with 2 s).
        settings.flowJobSeconds = 6
        let w = try await SandboxWorkspace.make(items: Self.items(), settings: settings)
        defer { Task { await w.org.stop() } }
        _ = try await w.org.seed(["flows": [["name": "Sales hold", "type": "INQUEUECALL"]]])
        let existing = try #require(try await w.org.live("flows").first?["id"]?.stringValue)
        var o = w.options
        o.adopt = true
        o.flowJobs.timeout = .milliseconds(200)
        let first = try await w.apply(o)
        #expect(first.failures.contains { $0.step == "flows/sales-hold" && $0.error.contains("still") }, "\(first.text)")
        o.flowJobs.timeout = .seconds(60)
        let second = try await w.apply(o)
        #expect(second.complete, "\(second.text)")
        let ledger = try #require(try Ledger.openExisting(path: Ledger.defaultPath(forBundle: w.bundle)))
        #expect(try ledger.step("flows/sales-hold")?.origin == .adopted)
        _ = try await w.rollback()
        #expect(try await w.org.live("flows").map { $0["id"]?.stringValue } == [existing])
    }

    @Test func aFlowFileThatIsNotAFlowIsRefusedBeforeAnyRequest() async throws {
        var items = Self.items()
        items[0].yaml = "name: no flow type here\n"
        let w = try await SandboxWorkspace.make(items: items)
        defer { Task { await w.org.stop() } }
        await #expect(throws: UploadError.self) { _ = try await w.apply() }
        #expect(try await w.org.journal().isEmpty)
    }

    /// Stage one on samples/ (with call flows), approved, uploaded: what `make demo` does.
    @Test func theSampleSiteUploadsItsFlowsAndCallRoutes() async throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let dir = try makeTempDir()
        let bundle = dir.appendingPathComponent("sample.tar")
        _ = try StageOne.build(.init(sources: ["samples/sat", "samples/smgr"].map { root.appendingPathComponent($0).path },
                                     configPath: root.appendingPathComponent("samples/mapping.yaml").path, output: bundle,
                                     created: 1_735_689_600))
        let approvers = try Approvers(in: dir)
        try approvers.approve(bundle)
        let (org, o) = try await GeneratedSiteUploadTests.siteOrg()
        defer { Task { await org.stop() } }
        let report = try await UploadOperations.apply(bundle: bundle, policy: approvers.policy, connection: org.connection(), options: o)
        #expect(report.complete, "\(report.text)")

        let files = try BundleFiles.read(contentsOf: bundle)
        let flowMembers = files.paths.filter { $0.hasPrefix("flows/") }
        let flows = try await org.live("flows")
        #expect(flowMembers.count == 10 && flows.count == flowMembers.count)
        #expect(flows.allSatisfy { $0["publishedVersion"] != nil })
        let flowIDs = Set(flows.compactMap { $0["id"]?.stringValue })
        let routes = try await org.live("ivrs")
        #expect(routes.count == 6)
        #expect(routes.allSatisfy { flowIDs.contains($0["openHoursFlow"]?["id"]?.stringValue ?? "") })
        let queuesWithFlows = try await org.live("queues").filter { $0["queueFlow"]?["id"] != nil }
        #expect(queuesWithFlows.count == 5 && queuesWithFlows.allSatisfy { flowIDs.contains($0["queueFlow"]?["id"]?.stringValue ?? "") })
        // The reserve agent of hunt group 5 answers from ring 2 (agent.reserve).
        let retention = try #require(try await org.live("queues").first { $0["name"]?.stringValue == "Retention" }?["id"]?.stringValue)
        let reserve = try #require(try await org.live("users").first { $0["addresses"]?.arrayValue?.contains { $0["extension"]?.stringValue == "3033" } == true })
        let rid = try #require(reserve["id"]?.stringValue)
        let members = try await org.state()["_links"]?["queueMembers"]?[retention]
        #expect(members?.arrayValue?.first { $0["id"]?.stringValue == rid }?["ringNumber"]?.intValue == 2, "\(members ?? .null)")
        // Every flow was published after the queues and schedule groups it names (else its job fails).
        #expect(try await jobRegistrations(org) == 10)
        // Phones as the platform builds them: the phone and each line name the first line of
        // their phone base settings, within its phone_maxLineKeys (the sandbox refuses more).
        var lineBaseOf: [String: String] = [:]
        for b in try await org.live("phonebasesettings") {
            if let id = b["id"]?.stringValue, let line = b["lines"]?.arrayValue?.first?["id"]?.stringValue { lineBaseOf[id] = line }
        }
        let phones = try await org.live("phones")
        #expect(!phones.isEmpty)
        for p in phones {
            let want = try #require(lineBaseOf[p["phoneBaseSettings"]?["id"]?.stringValue ?? ""])
            #expect(p["lineBaseSettings"]?["id"]?.stringValue == want)
            #expect(p["lines"]?.arrayValue?.allSatisfy { $0["lineBaseSettings"]?["id"]?.stringValue == want } == true)
        }
        // The results log names the request that publishes a flow: the YAML's PUT to the
        // presigned URL (without its signed query), not an API path.
        let published = try String(contentsOfFile: report.results, encoding: .utf8).split(separator: "\n")
            .compactMap { try? JSONValue.parse(Data($0.utf8)) }.filter { $0["outcome"]?.stringValue == "PUBLISHED" }
        #expect(published.count == 10)
        #expect(published.allSatisfy { $0["method"]?.stringValue == "PUT" && $0["path"]?.stringValue?.hasPrefix("http://127.0.0.1:") == true
            && $0["path"]?.stringValue?.contains("/sandbox/uploads/") == true && $0["path"]?.stringValue?.contains("signature") == false })
        // Presence definitions are listed without paging parameters (the SDK declares none).
        let presenceLists = try await org.journal().filter { $0["method"]?.stringValue == "GET" && $0["path"]?.stringValue == "/api/v2/presence/definitions" }
        #expect(!presenceLists.isEmpty && presenceLists.allSatisfy { $0["query"]?.stringValue?.contains("page") == false })
        // The ledger's write-ahead record of each publish names the same request.
        let ledger = try #require(try Ledger.openExisting(path: report.ledger))
        let publishIntents = try ledger.intents().filter { $0.path.contains("flow job") }
        #expect(publishIntents.count == 10 && publishIntents.allSatisfy { $0.method == "PUT" && $0.path.contains("/sandbox/uploads/")
            && !$0.path.contains("/api/v2/flows/jobs") && !$0.path.contains("signature") })

        let writes = try await org.mutating().count
        let again = try await UploadOperations.apply(bundle: bundle, policy: approvers.policy, connection: org.connection(), options: o)
        #expect(again.complete)
        #expect(try await org.mutating().count == writes, "a re-run publishes nothing new")
        let rec = try await UploadOperations.reconcile(bundle: bundle, policy: approvers.policy, connection: org.connection(), options: o)
        #expect(rec.clean, "\(rec.text)")

        // The ledger lost (a new machine): every object is adopted, every member and setting found
        // in place, and every flow too: its description carries the content fingerprint of the
        // YAML that published it, equal to the bundle's (issue 14).
        let ledgerPath = Ledger.defaultPath(forBundle: bundle)
        for suffix in ["", "-wal", "-shm", ".lock"] { try? FileManager.default.removeItem(atPath: ledgerPath + suffix) }
        let plan = try await UploadOperations.plan(bundle: bundle, policy: approvers.policy, connection: org.connection(), options: o)
        #expect(plan.count(.create) == 0 && plan.conflicts == 0, "\(plan.text)")
        #expect(plan.items.filter { $0.type == "flows" && $0.verdict == .adopt }.count == 10, "\(plan.text)")
        let before = try await org.mutating()
        let rerun = try await UploadOperations.apply(bundle: bundle, policy: approvers.policy, connection: org.connection(), options: o)
        #expect(rerun.complete && rerun.counts.created == 0 && rerun.counts.written == 0, "\(rerun.text)")
        let rewrites = Array(try await org.mutating().dropFirst(before.count))
        #expect(rewrites.isEmpty, "nothing is written or published again: \(rewrites)")
        let rec2 = try await UploadOperations.reconcile(bundle: bundle, policy: approvers.policy, connection: org.connection(), options: o)
        #expect(rec2.clean, "\(rec2.text)")
        // Rollback keeps what this ledger-less run found in place.
        let rb = try await UploadOperations.rollback(bundle: bundle, policy: approvers.policy, connection: org.connection(), options: o)
        #expect(rb.failures.isEmpty, "\(rb.text)")
        #expect(try await org.live("flows").count == 10)
    }

    /// The in-queue flow with the content fingerprint stage one writes into its description.
    static func stampedInQueue(_ holdName: String = "Hold music") -> String {
        FlowFingerprint.stamp(inQueue.replacingOccurrences(of: "name: \"Hold music\"", with: "name: \"\(holdName)\"")
            .replacingOccurrences(of: "  division: \"Home\"\n",
                                  with: "  description: \"Hold; \(FlowFingerprint.marker)\"\n  division: \"Home\"\n"))
    }

    /// Without the ledger, a same-named flow is in place only when its description carries the
    /// bundle YAML's fingerprint; one published from other YAML stays a conflict until --adopt
    /// publishes over it, after which a ledger-less plan finds it in place.
    @Test func aSameNamedFlowIsInPlaceOnlyWithTheBundlesContentFingerprint() async throws {
        var items = Self.items()
        items[0].yaml = Self.stampedInQueue()
        let other = try #require(try ArchyFlowHeader.parse(Self.stampedInQueue("Other music")).description)
        let w = try await SandboxWorkspace.make(items: items)
        defer { Task { await w.org.stop() } }
        _ = try await w.org.seed(["flows": [["name": "Sales hold", "type": "INQUEUECALL", "description": .string(other)]]])
        let existing = try #require(try await w.org.live("flows").first?["id"]?.stringValue)

        let item = try #require(try await w.plan().items.first { $0.step == "flows/sales-hold" })
        #expect(item.verdict == .conflict && item.existingID == existing, "\(item)")
        var o = w.options
        o.adopt = true
        #expect(try await w.apply(o).complete)
        #expect(try await jobRegistrations(w.org) == 2, "the differing flow is published over, the inbound one created")

        let ledgerPath = Ledger.defaultPath(forBundle: w.bundle)
        for suffix in ["", "-wal", "-shm", ".lock"] { try? FileManager.default.removeItem(atPath: ledgerPath + suffix) }
        let again = try #require(try await w.plan().items.first { $0.step == "flows/sales-hold" })
        #expect(again.verdict == .adopt && again.existingID == existing, "\(again)")
    }

    @Test func theContentFingerprintIsDeterministicAndCoversTheWholeFlow() throws {
        let a = Self.stampedInQueue(), b = Self.stampedInQueue("Other music")
        let fa = try #require(FlowFingerprint.of(a))
        #expect(a == Self.stampedInQueue() && FlowFingerprint.stamp(a) == a, "stamping is deterministic and idempotent")
        #expect(FlowFingerprint.stated(in: try ArchyFlowHeader.parse(a).description) == fa)
        #expect(FlowFingerprint.of(b) != fa, "a change anywhere in the flow changes the fingerprint")
        #expect(FlowFingerprint.of(Self.inQueue) == nil && FlowFingerprint.stated(in: "built by hand") == nil)
    }

    @Test func archyHeaderParsing() throws {
        let h = try ArchyFlowHeader.parse(Self.inbound("Main line", queue: "Sales"))
        #expect(h.apiType == "INBOUNDCALL" && h.name == "Main line" && h.division == "Home")
        #expect(throws: FlowPublishError.self) { try ArchyFlowHeader.parse("inboundCall:\n  description: x\n") }
        #expect(throws: FlowPublishError.self) { try ArchyFlowHeader.parse("unknownFlow:\n  name: x\n") }
        #expect(throws: FlowPublishError.self) { try ArchyFlowHeader.parse("a: [unclosed\n") }
        #expect(throws: FlowPublishError.self) { try ArchyFlowHeader.parse("inboundCall:\n  name: x\ninqueueCall:\n  name: y\n") }
    }
}
