import Common
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

@testable import Sandbox

@Suite struct FlowTests {
    static let yaml = """
    inboundCall:
      name: CM VDN 5000 Main
      division: Home
      defaultLanguage: en-us
      startUpRef: "/inboundCall/tasks/task[checkHours]"
      tasks:
        - task:
            name: Check Hours
            refId: checkHours
            actions:
              - evaluateScheduleGroup:
                  name: Evaluate Schedule Group
                  scheduleGroup:
                    lit:
                      name: Main Office Hours
      menus:
        - menu:
            name: Main Menu
            refId: mainMenu
            choices:
              - menuTransferToAcd:
                  name: Sales
                  dtmf: digit_1
                  targetQueue:
                    lit:
                      name: Sales
              - menuTransferToAcd:
                  name: Support
                  targetQueue: {lit: {name: "Support Desk"}}
    """

    @Test func archyLooseParse() {
        let d = ArchyDocument.parse(Self.yaml)
        #expect(d.flowType == "inboundCall")
        #expect(d.name == "CM VDN 5000 Main")
        #expect(d.division == "Home")
        #expect(d.queues == ["Sales", "Support Desk"])
        #expect(d.scheduleGroups == ["Main Office Hours"])
        #expect(ArchyDocument.parse("garbage: [").flowType == nil)
    }

    @Test func flowJobLifecycle() async throws {
        let clock = ManualClock()
        try await withSandbox(testConfig { $0.clock = clock; $0.flowJobSeconds = 5 }) { sb in
            func publish(_ yaml: String) async throws -> TestResp {
                let job = try await sb.call(.post, "/api/v2/flows/jobs")
                #expect(job.status == 200)
                let url = try #require(job["presignedUrl"]?.stringValue)
                #expect(job["headers"]?.objectValue != nil)
                let at = try #require(url.range(of: "/sandbox/"))
                let path = String(url[at.lowerBound...])
                #expect(try await sb.get("/api/v2/flows/jobs/\(job.id)")["status"]?.stringValue == "Registered")
                let wrongSig = try await sb.call(.put, path.replacingOccurrences(of: "signature=", with: "signature=x"), rawBody: yaml)
                #expect(wrongSig.status == 403)
                let up = try await sb.call(.put, path, token: .some(nil), rawBody: yaml)
                #expect(up.status == 200)
                #expect(try await sb.get("/api/v2/flows/jobs/\(job.id)")["status"]?.stringValue == "Started")
                clock.advance(5)
                return try await sb.get("/api/v2/flows/jobs/\(job.id)?expand=messages")
            }
            // Missing queue and schedule group: Failure with messages.
            let failed = try await publish(Self.yaml)
            #expect(failed["status"]?.stringValue == "Failure")
            let msgs = failed["messages"]?.arrayValue?.compactMap { $0["text"]?.stringValue } ?? []
            #expect(msgs.contains { $0.contains("Sales") })
            #expect(msgs.contains { $0.contains("Main Office Hours") })

            let sales = try await sb.post("/api/v2/routing/queues", ["name": "Sales"])
            _ = try await sb.post("/api/v2/routing/queues", ["name": "Support Desk"])
            _ = try await sb.post("/api/v2/architect/schedulegroups", ["name": "Main Office Hours"])
            let ok = try await publish(Self.yaml)
            #expect(ok["status"]?.stringValue == "Success", "\(ok.text)")
            let flowId = try #require(ok["flow"]?["id"]?.stringValue)
            let flows = try await sb.get("/api/v2/flows?type=inboundcall&name=CM%20VDN%205000%20Main")
            #expect(flows["entities"]?.arrayValue?.first?["id"]?.stringValue == flowId)
            // Republish: same flow, next published version.
            let again = try await publish(Self.yaml)
            #expect(again["flow"]?["id"]?.stringValue == flowId)
            #expect(try await sb.get("/api/v2/flows/\(flowId)")["publishedVersion"]?["id"]?.stringValue == "2")
            // A queue a published flow names cannot be deleted.
            expectError(try await sb.call(.delete, "/api/v2/routing/queues/\(sales.id)"), 409, "architect.dependency.object.in.use")
            let garbage = try await publish("just text")
            #expect(garbage["status"]?.stringValue == "Failure")
        }
    }

    /// Issue 14.4: the flow job checks every key against the shared Archy key table (GenesysCloud
    /// `ArchyKeys`): an unknown key fails the job like Archy's validation; a key the table only
    /// believes publishes with a warning.
    @Test func flowJobValidatesArchyKeys() async throws {
        let clock = ManualClock()
        try await withSandbox(testConfig { $0.clock = clock; $0.flowJobSeconds = 1 }) { sb in
            func publish(_ yaml: String) async throws -> TestResp {
                let job = try await sb.call(.post, "/api/v2/flows/jobs")
                let url = try #require(job["presignedUrl"]?.stringValue)
                let at = try #require(url.range(of: "/sandbox/"))
                #expect(try await sb.call(.put, String(url[at.lowerBound...]), token: .some(nil), rawBody: yaml).status == 200)
                clock.advance(1)
                return try await sb.get("/api/v2/flows/jobs/\(job.id)?expand=messages")
            }
            // The in-queue shape this product wrote before issue 14.4: `loop`/`loopCount` and a hold duration.
            let looped = """
            inqueueCall:
              name: Old hold
              division: Home
              defaultLanguage: en-us
              startUpTaskActions:
                - loop:
                    name: Queue loop
                    loopCount:
                      lit: 1000
                    outputs:
                      loop:
                        actions:
                          - holdMusic:
                              name: Hold
                              prompt:
                                exp: Flow.HoldPrompt
                              playStyle:
                                duration:
                                  lit:
                                    seconds: 60
            """
            let failed = try await publish(looped)
            #expect(failed["status"]?.stringValue == "Failure")
            let texts = failed["messages"]?.arrayValue?.compactMap { $0["text"]?.stringValue } ?? []
            #expect(texts.contains { $0.contains("Unknown property 'loop' at inqueueCall.startUpTaskActions[0].loop") })
            #expect(texts.contains { $0.contains("'duration'") })
            #expect(texts.contains { $0.contains("Archy exit code") })

            let attested = """
            inqueueCall:
              name: New hold
              division: Home
              defaultLanguage: en-us
              startUpTaskActions:
                - holdMusic:
                    name: Hold
                    prompt:
                      exp: Flow.HoldPrompt
                    playStyle:
                      entirePrompt: true
            """
            let ok = try await publish(attested)
            #expect(ok["status"]?.stringValue == "Success", "\(ok.text)")
            #expect(ok["messages"]?.arrayValue?.isEmpty == true)

            _ = try await sb.post("/api/v2/routing/queues", ["name": "Sales"])
            let believed = """
            inboundCall:
              name: Numbers
              division: Home
              defaultLanguage: en-us
              startUpRef: "/inboundCall/tasks/task[t]"
              tasks:
                - task:
                    name: T
                    refId: t
                    actions:
                      - transferToNumber:
                          name: Out
                          targetNumber:
                            lit: "+13175550100"
            """
            let warned = try await publish(believed)
            #expect(warned["status"]?.stringValue == "Success", "\(warned.text)")
            let warnings = warned["messages"]?.arrayValue ?? []
            #expect(warnings.count == 3)
            #expect(warnings.allSatisfy { $0["type"]?.stringValue == "Warning" })
            #expect(warnings.contains { $0["text"]?.stringValue?.contains("'targetNumber'") == true })
        }
    }

    @Test func promptResources() async throws {
        try await withSandbox { sb in
            let p = try await sb.post("/api/v2/architect/prompts", ["name": "welcome", "description": "hi"])
            let res = try await sb.post("/api/v2/architect/prompts/\(p.id)/resources", ["language": "en-us", "ttsString": "Welcome"])
            #expect(res.status == 200)
            #expect(res["uploadUri"]?.stringValue?.contains("/sandbox/uploads/prompts/") == true)
            expectError(try await sb.post("/api/v2/architect/prompts/\(p.id)/resources", ["language": "en-us"]), 409, "general.conflict")
        }
    }
}

/// Real sockets: binding, loopback-only, dropped connections, in-process start/stop.
@Suite struct LiveTests {
    @Test func refusesNonLoopbackBinds() async throws {
        for host in ["0.0.0.0", "192.168.1.10", "::", "localhost"] {
            await #expect(throws: SandboxError.bindRefused(host)) { _ = try await GenesysSandbox.start(testConfig { $0.host = host }) }
        }
    }

    @Test func startServeStopOnEphemeralPort() async throws {
        let sb = try await GenesysSandbox.start(testConfig())
        #expect(sb.port > 0)
        #expect(sb.baseURL.absoluteString == "http://127.0.0.1:\(sb.port)")
        let basic = Data("uploader:s3cret-uploader".utf8).base64EncodedString()
        let raw = await rawExchange(host: "127.0.0.1", port: sb.port, request: httpRequest("POST", "/oauth/token",
            headers: ["Authorization": "Basic \(basic)", "Content-Type": "application/x-www-form-urlencoded"], body: "grant_type=client_credentials"))
        let text = String(data: raw ?? Data(), encoding: .utf8) ?? ""
        #expect(text.hasPrefix("HTTP/1.1 200"))
        #expect(text.lowercased().contains("inin-correlation-id"))
        // Not reachable through any non-loopback address of this machine.
        for addr in nonLoopbackIPv4() {
            let reached = await rawExchange(host: addr, port: sb.port, request: httpRequest("GET", "/sandbox/health"))
            #expect(reached == nil, "reachable on \(addr)")
        }
        await sb.stop()
        let afterStop = await rawExchange(host: "127.0.0.1", port: sb.port, request: httpRequest("GET", "/sandbox/health"))
        #expect(afterStop == nil)
    }

    /// The server runs on its own threads: with every cooperative-pool thread blocked (as a test
    /// waiting for a child process that talks to the sandbox blocks one), it still answers.
    @Test func answersWhileEveryPoolThreadIsBlocked() async throws {
        let sb = try await GenesysSandbox.start(testConfig())
        let port = sb.port
        let answered = DispatchSemaphore(value: 0)
        let result = LockedBox<String>("")
        let blockers = ProcessInfo.processInfo.activeProcessorCount + 1
        Thread {
            // Give the blockers time to take every pool thread, then ask.
            Thread.sleep(forTimeInterval: 0.3)
            let raw = blockingExchange(host: "127.0.0.1", port: port, request: httpRequest("GET", "/sandbox/health"))
            result.set(String(data: raw ?? Data(), encoding: .utf8) ?? "")
            for _ in 0..<blockers { answered.signal() }
        }.start()
        await withTaskGroup(of: Void.self) { g in
            for _ in 0..<blockers { g.addTask { _ = answered.wait(timeout: .now() + 20) } }
        }
        #expect(result.get().hasPrefix("HTTP/1.1 200"), "no answer while the pool was blocked: \(result.get().prefix(80))")
        await sb.stop()
    }

    @Test func droppedConnectionsCloseWithoutAResponse() async throws {
        let sb = try await GenesysSandbox.start(testConfig { $0.faults.dropRate = 1 })
        let basic = Data("uploader:s3cret-uploader".utf8).base64EncodedString()
        let tokRaw = await rawExchange(host: "127.0.0.1", port: sb.port, request: httpRequest("POST", "/oauth/token",
            headers: ["Authorization": "Basic \(basic)"], body: "grant_type=client_credentials")) ?? Data()
        let tokText = String(data: tokRaw, encoding: .utf8) ?? ""
        let body = tokText.components(separatedBy: "\r\n\r\n").last ?? ""
        let token = try JSONValue.parse(body)["access_token"]?.stringValue ?? ""
        #expect(!token.isEmpty)
        let dropped = await rawExchange(host: "127.0.0.1", port: sb.port,
                                  request: httpRequest("GET", "/api/v2/routing/queues", headers: ["Authorization": "Bearer \(token)"]))
        #expect(dropped != nil)
        #expect(dropped?.isEmpty == true, "got \(String(data: dropped ?? Data(), encoding: .utf8) ?? "")")
        let j = await sb.engine.journalEntries()
        #expect(j.last?.status == 0)
        #expect(j.last?.fault?.hasPrefix("drop") == true)
        await sb.stop()
    }
}

/// IPv4 addresses of this machine other than loopback (empty in a network-less sandbox).
func nonLoopbackIPv4() -> [String] {
    var out: [String] = []
    var ifa: UnsafeMutablePointer<ifaddrs>?
    guard getifaddrs(&ifa) == 0 else { return [] }
    defer { freeifaddrs(ifa) }
    var p = ifa
    while let cur = p {
        if let sa = cur.pointee.ifa_addr, sa.pointee.sa_family == sa_family_t(AF_INET) {
            var host = [CChar](repeating: 0, count: Int(NI_MAXHOST))
            if getnameinfo(sa, socklen_t(MemoryLayout<sockaddr_in>.size), &host, socklen_t(host.count), nil, 0, NI_NUMERICHOST) == 0 {
                let s = String(decoding: host.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
                if !s.hasPrefix("127.") { out.append(s) }
            }
        }
        p = cur.pointee.ifa_next
    }
    return out
}

/// A value shared between a plain thread and the test.
private final class LockedBox<T: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: T
    init(_ v: T) { value = v }
    func set(_ v: T) { lock.lock(); value = v; lock.unlock() }
    func get() -> T { lock.lock(); defer { lock.unlock() }; return value }
}
