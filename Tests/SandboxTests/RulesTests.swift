import Common
import Foundation
import Testing

@testable import Sandbox

/// Platform rules of issue 5 (4): duplicates, versions, soft deletes, pools, DNIS, batch limits,
/// delete guards.
@Suite struct RulesTests {
    @Test func duplicateTable() async throws {
        try await withSandbox { sb in
            let cases: [(String, JSONValue, Int, String)] = [
                ("/api/v2/routing/queues", ["name": "Support"], 400, "duplicate.name"),
                ("/api/v2/routing/skills", ["name": "Billing"], 409, "general.conflict"),
                ("/api/v2/routing/wrapupcodes", ["name": "Done"], 400, "duplicate.name"),
                ("/api/v2/flows", ["name": "Main", "type": "INBOUNDCALL"], 409, "architect.flow.already.exists"),
                ("/api/v2/users", ["name": "U", "email": "u@example.com"], 409, "general.conflict"),
                ("/api/v2/groups", ["name": "G", "type": "official", "rulesVisible": true, "visibility": "public"], 400, "duplicate.name"),
                ("/api/v2/architect/schedulegroups", ["name": "Hours"], 400, "duplicate.name"),
            ]
            for (path, body, status, code) in cases {
                let first = try await sb.post(path, body)
                #expect(first.status == 200, "\(path): \(first.text)")
                // Case differs: natural keys compare case-insensitively.
                var again = body
                if case .object(var o) = body, let n = o["name"]?.stringValue, path != "/api/v2/users" {
                    o["name"] = .string(n.uppercased())
                    again = .object(o)
                }
                let dup = try await sb.post(path, again)
                expectError(dup, status, code)
                #expect(dup["details"]?.arrayValue?.first?["entityId"]?.stringValue == first.id, "\(path)")
            }
            // Same flow name, other type: allowed.
            let other = try await sb.post("/api/v2/flows", ["name": "Main", "type": "INQUEUECALL"])
            #expect(other.status == 200)
        }
        // The table is configurable.
        try await withSandbox(testConfig { $0.rules.duplicates["queues"] = .allow }) { sb in
            let a = try await sb.post("/api/v2/routing/queues", ["name": "Twice"])
            let b = try await sb.post("/api/v2/routing/queues", ["name": "Twice"])
            #expect(a.status == 200 && b.status == 200)
        }
    }

    /// Duplicate checks go through indexes: renames, deletes and address changes must free and
    /// take keys exactly as a scan of the store would.
    @Test func naturalKeyIndexesFollowUpdatesAndDeletes() async throws {
        try await withSandbox { sb in
            let q = try await sb.post("/api/v2/routing/queues", ["name": "Alpha"])
            #expect(q.status == 200)
            let renamed = try await sb.call(.put, "/api/v2/routing/queues/\(q.id)", ["name": "Beta"])
            #expect(renamed.status == 200, "\(renamed.text)")
            #expect(try await sb.post("/api/v2/routing/queues", ["name": "alpha"]).status == 200)
            let dup = try await sb.post("/api/v2/routing/queues", ["name": "BETA"])
            expectError(dup, 400, "duplicate.name")
            #expect(dup["details"]?.arrayValue?.first?["entityId"]?.stringValue == q.id)
            #expect(try await sb.call(.delete, "/api/v2/routing/queues/\(q.id)").status == 200)
            #expect(try await sb.post("/api/v2/routing/queues", ["name": "Beta"]).status == 200)

            // Soft-deleted skills free their name; soft-deleted users keep their email (§2.1).
            let s = try await sb.post("/api/v2/routing/skills", ["name": "Gone"])
            #expect(try await sb.call(.delete, "/api/v2/routing/skills/\(s.id)").status == 200)
            #expect(try await sb.post("/api/v2/routing/skills", ["name": "Gone"]).status == 200)

            let u = try await sb.post("/api/v2/users", ["name": "A", "email": "a@example.com"])
            let moved = try await sb.call(.patch, "/api/v2/users/\(u.id)", ["email": "b@example.com", "version": 1])
            #expect(moved.status == 200, "\(moved.text)")
            #expect(try await sb.post("/api/v2/users", ["name": "A2", "email": "A@example.com"]).status == 200)
            expectError(try await sb.post("/api/v2/users", ["name": "B2", "email": "B@example.com"]), 409, "general.conflict")

            // Extensions: an owner that moves to another extension frees the old one.
            #expect(try await sb.post("/api/v2/telephony/providers/edges/extensionpools", ["startNumber": "2000", "endNumber": "2999"]).status == 200)
            let e = try await sb.post("/api/v2/users", ["name": "E", "email": "e@example.com",
                                                        "addresses": [["mediaType": "PHONE", "type": "WORK", "extension": "2001"]]])
            #expect(e.status == 200, "\(e.text)")
            let taken = try await sb.post("/api/v2/users", ["name": "F", "email": "f@example.com",
                                                            "addresses": [["mediaType": "PHONE", "type": "WORK", "extension": "2001"]]])
            expectError(taken, 409, "general.conflict")
            #expect(taken["details"]?.arrayValue?.first?["entityId"]?.stringValue == e.id)
            let ext2 = try await sb.call(.patch, "/api/v2/users/\(e.id)", ["addresses": [["mediaType": "PHONE", "type": "WORK", "extension": "2002"]],
                                                                         "version": 1])
            #expect(ext2.status == 200, "\(ext2.text)")
            let f = try await sb.post("/api/v2/users", ["name": "F", "email": "f@example.com",
                                                        "addresses": [["mediaType": "PHONE", "type": "WORK", "extension": "2001"]]])
            #expect(f.status == 200, "\(f.text)")
        }
    }

    @Test func versionsAndStaleUpdates() async throws {
        try await withSandbox { sb in
            let g = try await sb.post("/api/v2/groups", ["name": "Ring", "type": "official", "rulesVisible": true, "visibility": "public"])
            #expect(g["version"]?.intValue == 1)
            let put = try await sb.call(.put, "/api/v2/groups/\(g.id)", ["name": "Ring", "version": 1, "description": "after create"])
            #expect(put.status == 200, "\(put.text)")
            #expect(put["version"]?.intValue == 2)
            let stale = try await sb.call(.put, "/api/v2/groups/\(g.id)", ["name": "Ring", "version": 1])
            expectError(stale, 409, "general.conflict")
            let noVersion = try await sb.call(.put, "/api/v2/groups/\(g.id)", ["name": "Ring"])
            expectError(noVersion, 400, "required.field.missing")

            let s = try await sb.post("/api/v2/architect/schedules", ["name": "S", "start": "2024-01-01T08:00:00.000", "end": "2024-01-01T17:00:00.000"])
            let s2 = try await sb.call(.put, "/api/v2/architect/schedules/\(s.id)",
                                       ["name": "S", "start": "2024-01-01T09:00:00.000", "end": "2024-01-01T17:00:00.000", "version": 1])
            #expect(s2["version"]?.intValue == 2)
            let s3 = try await sb.call(.put, "/api/v2/architect/schedules/\(s.id)",
                                       ["name": "S", "start": "2024-01-01T09:00:00.000", "end": "2024-01-01T17:00:00.000", "version": 1])
            expectError(s3, 409, "general.conflict")
        }
        try await withSandbox(testConfig { $0.rules.versionConflictStatus = 400 }) { sb in
            let u = try await sb.post("/api/v2/users", ["name": "V", "email": "v@example.com"])
            let stale = try await sb.call(.patch, "/api/v2/users/\(u.id)", ["version": 7, "title": "x"])
            expectError(stale, 400, "bad.request")
            #expect(stale["message"]?.stringValue?.contains("does not match the current version") == true)
        }
    }

    @Test func softDeletedUserKeepsEmailAndCanBeRestored() async throws {
        try await withSandbox { sb in
            let u = try await sb.post("/api/v2/users", ["name": "Del", "email": "del@example.com"])
            let d = try await sb.call(.delete, "/api/v2/users/\(u.id)")
            #expect(d.status == 200)
            expectError(try await sb.get("/api/v2/users/\(u.id)"), 404, "not.found")
            let deleted = try await sb.get("/api/v2/users/\(u.id)?state=deleted")
            #expect(deleted["state"]?.stringValue == "deleted")
            let again = try await sb.post("/api/v2/users", ["name": "Del 2", "email": "DEL@example.com"])
            expectError(again, 409, "general.conflict")
            // TF's recovery: search for the deleted user by email, restore with PATCH state.
            let found = try await sb.post("/api/v2/users/search", ["query": [
                ["fields": ["email"], "value": "del@example.com", "type": "EXACT"],
                ["fields": ["state"], "values": ["deleted"], "type": "EXACT"]]])
            #expect(found["total"]?.intValue == 1)
            let res = try #require(found["results"]?.arrayValue?.first)
            let restored = try await sb.call(.patch, "/api/v2/users/\(u.id)", ["state": "active", "version": res["version"] ?? 0])
            #expect(restored.status == 200, "\(restored.text)")
            #expect(try await sb.get("/api/v2/users/\(u.id)")["state"]?.stringValue == "active")
            // Listing: default active only; state=deleted lists deleted ones; > 100 ids refused.
            let ids = (0...100).map { "id=\($0)" }.joined(separator: "&")
            expectError(try await sb.get("/api/v2/users?\(ids)"), 400, "max.user.ids")
        }
    }

    @Test func extensionAndDidPoolsAndDnisUniqueness() async throws {
        try await withSandbox { sb in
            func user(_ n: String, _ addr: JSONValue) async throws -> TestResp {
                try await sb.post("/api/v2/users", ["name": .string(n), "email": .string("\(n)@example.com"), "addresses": [addr]])
            }
            expectError(try await user("e1", ["mediaType": "PHONE", "type": "WORK", "extension": "2001"]), 400, "invalid.value")
            #expect(try await sb.post("/api/v2/telephony/providers/edges/extensionpools", ["startNumber": "2000", "endNumber": "2999"]).status == 200)
            let overlap = try await sb.post("/api/v2/telephony/providers/edges/extensionpools", ["startNumber": "2500", "endNumber": "3500"])
            expectError(overlap, 409, "general.conflict")
            let shortPool = try await sb.post("/api/v2/telephony/providers/edges/extensionpools", ["startNumber": "10", "endNumber": "99"])
            expectError(shortPool, 400, "invalid.value")
            let e1 = try await user("e1", ["mediaType": "PHONE", "type": "WORK", "extension": "2001"])
            #expect(e1.status == 200, "\(e1.text)")
            expectError(try await user("e2", ["mediaType": "PHONE", "type": "WORK", "extension": "2001"]), 409, "general.conflict")
            let ext = try await sb.get("/api/v2/telephony/providers/edges/extensions?number=2001")
            #expect(ext["entities"]?.arrayValue?.first?["owner"]?["id"]?.stringValue == e1.id)

            expectError(try await user("d1", ["mediaType": "PHONE", "type": "WORK", "address": "+13175550101"]), 400, "invalid.value")
            #expect(try await sb.post("/api/v2/telephony/providers/edges/didpools",
                                      ["startPhoneNumber": "+13175550100", "endPhoneNumber": "+13175550199"]).status == 200)
            let d1 = try await user("d1", ["mediaType": "PHONE", "type": "WORK", "address": "+13175550101"])
            #expect(d1.status == 200)
            // A mobile number outside every pool is just a contact number.
            #expect(try await user("m1", ["mediaType": "PHONE", "type": "MOBILE", "address": "+447700900123"]).status == 200)
            // DNIS unique across users and call routes.
            let ivr = try await sb.post("/api/v2/architect/ivrs", ["name": "Route", "dnis": ["+13175550101"]])
            expectError(ivr, 409, "general.conflict")
            let notInPool = try await sb.post("/api/v2/architect/ivrs", ["name": "Route", "dnis": ["+13175559999"]])
            expectError(notInPool, 400, "invalid.value")
            let ivrOk = try await sb.post("/api/v2/architect/ivrs", ["name": "Route", "dnis": ["+13175550150"]])
            #expect(ivrOk.status == 200)
            expectError(try await user("d2", ["mediaType": "PHONE", "type": "WORK", "address": "+13175550150"]), 409, "general.conflict")
            let byDnis = try await sb.get("/api/v2/architect/ivrs?dnis=%2B13175550150")
            #expect(byDnis["total"]?.intValue == 1)
            let did = try await sb.get("/api/v2/telephony/providers/edges/dids?phoneNumber=%2B13175550150")
            #expect(did["entities"]?.arrayValue?.first?["ownerType"]?.stringValue == "IVR_CONFIG")
        }
        // Configurable off.
        try await withSandbox(testConfig { $0.rules.requireExtensionInPool = false; $0.rules.requireDidInPool = false }) { sb in
            let u = try await sb.post("/api/v2/users", ["name": "x", "email": "x@example.com",
                                                        "addresses": [["mediaType": "PHONE", "extension": "555"]]])
            #expect(u.status == 200)
        }
    }

    @Test func batchLimits() async throws {
        try await withSandbox { sb in
            let q = try await sb.post("/api/v2/routing/queues", ["name": "Big"])
            let u = try await sb.post("/api/v2/users", ["name": "M", "email": "m@example.com"])
            let many = JSONValue.array((0..<101).map { _ in ["id": .string(u.id)] })
            expectError(try await sb.post("/api/v2/routing/queues/\(q.id)/members", many), 400, "bad.request")
            let add = try await sb.post("/api/v2/routing/queues/\(q.id)/members", [["id": .string(u.id)]])
            #expect(add.status == 200)
            let members = try await sb.get("/api/v2/routing/queues/\(q.id)/members")
            #expect(members["total"]?.intValue == 1)
            #expect(try await sb.post("/api/v2/routing/queues/\(q.id)/members?delete=true", [["id": .string(u.id)]]).status == 200)
            #expect(try await sb.get("/api/v2/routing/queues/\(q.id)/members")["total"]?.intValue == 0)
            let ghost = try await sb.post("/api/v2/routing/queues/\(q.id)/members", [["id": "00000000-0000-4000-8000-00000000beef"]])
            expectError(ghost, 400, "invalid.value")

            let g = try await sb.post("/api/v2/groups", ["name": "G", "type": "official", "rulesVisible": true, "visibility": "public"])
            let ids51 = JSONValue.array((0..<51).map { _ in .string(u.id) })
            expectError(try await sb.post("/api/v2/groups/\(g.id)/members", ["memberIds": ids51, "version": 1]), 400, "bad.request")
            let gm = try await sb.post("/api/v2/groups/\(g.id)/members", ["memberIds": [.string(u.id)], "version": 1])
            #expect(gm.status == 202)
            #expect(try await sb.get("/api/v2/groups/\(g.id)/members")["total"]?.intValue == 1)

            let skill = try await sb.post("/api/v2/routing/skills", ["name": "S"])
            let s51 = JSONValue.array((0..<51).map { _ in ["id": .string(skill.id), "proficiency": 3] })
            expectError(try await sb.call(.patch, "/api/v2/users/\(u.id)/routingskills/bulk", s51), 400, "bad.request")
            let s1 = try await sb.call(.patch, "/api/v2/users/\(u.id)/routingskills/bulk", [["id": .string(skill.id), "proficiency": 4.5]])
            #expect(s1.status == 200)
            #expect(s1["entities"]?.arrayValue?.first?["proficiency"]?.doubleValue == 4.5)
            let tooHigh = try await sb.call(.patch, "/api/v2/users/\(u.id)/routingskills/bulk", [["id": .string(skill.id), "proficiency": 6]])
            expectError(tooHigh, 400, "invalid.value")
        }
    }

    @Test func referencedObjectsCannotBeDeleted() async throws {
        try await withSandbox { sb in
            let s = try await sb.post("/api/v2/architect/schedules", ["name": "Open", "start": "2024-01-01T08:00:00.000", "end": "2024-01-01T17:00:00.000"])
            let sg = try await sb.post("/api/v2/architect/schedulegroups", ["name": "Hours", "timeZone": "Europe/London", "openSchedules": [["id": .string(s.id)]]])
            #expect(sg.status == 200)
            expectError(try await sb.call(.delete, "/api/v2/architect/schedules/\(s.id)"), 409, "general.conflict")
            let f1 = try await sb.post("/api/v2/flows", ["name": "Open flow", "type": "INBOUNDCALL"])
            let f2 = try await sb.post("/api/v2/flows", ["name": "Closed flow", "type": "INBOUNDCALL"])
            let half = try await sb.post("/api/v2/architect/ivrs", ["name": "R", "scheduleGroup": ["id": .string(sg.id)], "openHoursFlow": ["id": .string(f1.id)]])
            expectError(half, 400, "invalid.value")
            let ivr = try await sb.post("/api/v2/architect/ivrs", ["name": "R", "scheduleGroup": ["id": .string(sg.id)],
                                                                   "openHoursFlow": ["id": .string(f1.id)], "closedHoursFlow": ["id": .string(f2.id)]])
            #expect(ivr.status == 200, "\(ivr.text)")
            expectError(try await sb.call(.delete, "/api/v2/architect/schedulegroups/\(sg.id)"), 409, "general.conflict")
            expectError(try await sb.call(.delete, "/api/v2/flows/\(f1.id)"), 409, "architect.flow.cannot.delete.used.in.ivr.configs")
            let badRef = try await sb.post("/api/v2/architect/schedulegroups", ["name": "H2", "openSchedules": [["id": "00000000-0000-4000-8000-00000000f00d"]]])
            expectError(badRef, 400, "invalid.value")
            // Once the IVR is gone, the chain can be deleted in order.
            #expect(try await sb.call(.delete, "/api/v2/architect/ivrs/\(ivr.id)").status == 200)
            #expect(try await sb.call(.delete, "/api/v2/architect/schedulegroups/\(sg.id)").status == 200)
            #expect(try await sb.call(.delete, "/api/v2/architect/schedules/\(s.id)").status == 200)
            expectError(try await sb.get("/api/v2/architect/schedules/\(s.id)"), 404, "not.found")
        }
    }

    @Test func skillsSoftDeleteAndPresenceDeactivate() async throws {
        try await withSandbox { sb in
            let s = try await sb.post("/api/v2/routing/skills", ["name": "Old"])
            #expect(try await sb.call(.delete, "/api/v2/routing/skills/\(s.id)").status == 200)
            let listed = try await sb.get("/api/v2/routing/skills?name=Old")
            #expect(listed["entities"]?.arrayValue?.first?["state"]?.stringValue == "deleted")
            // A deleted skill's name is free again.
            #expect(try await sb.post("/api/v2/routing/skills", ["name": "Old"]).status == 200)
            let p = try await sb.post("/api/v2/presence/definitions", ["languageLabels": ["en_US": "Coffee"], "systemPresence": "Break"])
            #expect(p["type"]?.stringValue == "User")
            #expect(try await sb.call(.delete, "/api/v2/presence/definitions/\(p.id)").status == 200)
            #expect(try await sb.get("/api/v2/presence/definitions/\(p.id)")["deactivated"]?.boolValue == true)
            // The SDK declares no paging for this listing: everything in one answer.
            let active = try await sb.get("/api/v2/presence/definitions")
            #expect(active["entities"]?.arrayValue?.contains { $0["id"]?.stringValue == p.id } == false)
            #expect(active["total"]?.intValue == 10)
        }
    }

    @Test func userSettingsStationsAndGroupRing() async throws {
        try await withSandbox { sb in
            let u = try await sb.post("/api/v2/users", ["name": "Phone User", "email": "pu@example.com"])
            let cf = try await sb.call(.put, "/api/v2/users/\(u.id)/callforwarding",
                                       ["enabled": true, "calls": [["targets": [["type": "PHONENUMBER", "value": "+13175550111"]]]], "voicemail": "LASTCALL"])
            #expect(cf.status == 200, "\(cf.text)")
            #expect(try await sb.get("/api/v2/users/\(u.id)/callforwarding")["enabled"]?.boolValue == true)
            let badCf = try await sb.call(.patch, "/api/v2/users/\(u.id)/callforwarding", ["calls": [], "voicemail": "LASTCALL"])
            expectError(badCf, 409, "callforwarding.voicemaillastcallrequiresatleastonecalltoaphonenumber")
            let vm = try await sb.call(.patch, "/api/v2/voicemail/userpolicies/\(u.id)", ["alertTimeoutSeconds": 20])
            #expect(vm["alertTimeoutSeconds"]?.intValue == 20)
            // VoicemailUserPolicy.enabled is read-only (.NET SDK): refused.
            let ro = try await sb.call(.patch, "/api/v2/voicemail/userpolicies/\(u.id)", ["enabled": false])
            expectError(ro, 400, "bad.request")

            let tpl = try await sb.get("/api/v2/telephony/providers/edges/phonebasesettings/template?phoneMetabaseId=inin_webrtc_softphone.json")
            #expect(tpl.status == 200)
            let base = try await sb.post("/api/v2/telephony/providers/edges/phonebasesettings", try #require(tpl.json))
            #expect(base.status == 200, "\(base.text)")
            let org = try await sb.get("/api/v2/organizations/me")
            let site = try #require(org["defaultSiteId"]?.stringValue)
            let noLines = try await sb.post("/api/v2/telephony/providers/edges/phones",
                                            ["name": "P", "site": ["id": .string(site)], "phoneBaseSettings": ["id": .string(base.id)], "lines": []])
            expectError(noLines, 400, "lines.required")
            let noUser = try await sb.post("/api/v2/telephony/providers/edges/phones",
                                           ["name": "P", "site": ["id": .string(site)], "phoneBaseSettings": ["id": .string(base.id)], "lines": [["name": "L1"]]])
            expectError(noUser, 400, "webrtc.user.required")
            let phone = try await sb.post("/api/v2/telephony/providers/edges/phones",
                                          ["name": "P", "site": ["id": .string(site)], "phoneBaseSettings": ["id": .string(base.id)],
                                           "lines": [["name": "L1"]], "webRtcUser": ["id": .string(u.id)]])
            #expect(phone.status == 200, "\(phone.text)")
            let st = try await sb.get("/api/v2/stations?webRtcUserId=\(u.id)")
            let station = try #require(st["entities"]?.arrayValue?.first?["id"]?.stringValue)
            #expect(try await sb.call(.put, "/api/v2/users/\(u.id)/station/defaultstation/\(station)").status == 202)
            #expect(try await sb.call(.put, "/api/v2/users/\(u.id)/station/associatedstation/\(station)").status == 202)
            let us = try await sb.get("/api/v2/users/\(u.id)/station")
            #expect(us["defaultStation"]?["id"]?.stringValue == station)
            let u2 = try await sb.post("/api/v2/users", ["name": "Other", "email": "o@example.com"])
            expectError(try await sb.call(.put, "/api/v2/users/\(u2.id)/station/associatedstation/\(station)"), 409, "userservice.stationalreadyassociated")

            let g = try await sb.post("/api/v2/groups", ["name": "Hunt", "type": "official", "rulesVisible": true, "visibility": "public"])
            let pol = try await sb.call(.patch, "/api/v2/voicemail/groups/\(g.id)/policy",
                                        ["enabled": true, "groupAlertType": "SEQUENTIAL", "rotateCallsSecs": 10, "stopRingingAfterRotations": 3])
            #expect(pol["groupAlertType"]?.stringValue == "SEQUENTIAL")
            expectError(try await sb.call(.patch, "/api/v2/voicemail/groups/\(g.id)/policy", ["groupAlertType": "LOUDEST"]), 400, "invalid.value")
        }
    }

    @Test func searchLagAndGroupSearch() async throws {
        let clock = ManualClock()
        try await withSandbox(testConfig { $0.clock = clock; $0.searchLagSeconds = 10 }) { sb in
            let u = try await sb.post("/api/v2/users", ["name": "Lagging", "email": "lag@example.com"])
            let q: JSONValue = ["query": [["fields": ["email"], "value": "lag@example.com", "type": "EXACT"]]]
            #expect(try await sb.post("/api/v2/users/search", q)["total"]?.intValue == 0)
            #expect(try await sb.get("/api/v2/users/\(u.id)").status == 200)  // reads by id are immediate
            clock.advance(11)
            #expect(try await sb.post("/api/v2/users/search", q)["total"]?.intValue == 1)
            _ = try await sb.call(.delete, "/api/v2/users/\(u.id)")
            let dq: JSONValue = ["query": [["fields": ["email"], "value": "lag@example.com", "type": "EXACT"],
                                           ["fields": ["state"], "values": ["deleted"], "type": "EXACT"]]]
            #expect(try await sb.post("/api/v2/users/search", dq)["total"]?.intValue == 0)
            clock.advance(11)
            #expect(try await sb.post("/api/v2/users/search", dq)["total"]?.intValue == 1)

            _ = try await sb.post("/api/v2/groups", ["name": "Night Shift", "type": "official", "rulesVisible": true, "visibility": "public"])
            clock.advance(11)
            let gs = try await sb.post("/api/v2/groups/search", ["query": [["fields": ["name"], "value": "night shift", "type": "EXACT"]], "pageSize": 1])
            #expect(gs["total"]?.intValue == 1)
            #expect(gs["results"]?.arrayValue?.first?["name"]?.stringValue == "Night Shift")
            let page = try await sb.get("/api/v2/groups/search?q64=\(try #require(gs["currentPage"]?.stringValue).addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")")
            #expect(page["total"]?.intValue == 1)
        }
    }
}
