import AvayaCM
@testable import CMExtract
import Common
import Foundation
import Testing
import TestSupport

/// pbxd extraction never stages guessed keys (issue 12 point 8): a list row without the form's
/// key field, or a `display` answering several objects, fails the pull with the CM's text.
@Suite struct PbxdStrictTests {
    @Test func listRowWithoutTheKeyFieldFailsWithTheCMText() throws {
        let rows: [JSONValue] = [["8005ff00": "3001", "8003ff00": "Smith, John"], ["8003ff00": "Row Without Key"]]
        do {
            _ = try PbxdPull.keyedRows(rows, keyId: "8005ff00", command: "list station")
            Issue.record("a row without its key was accepted")
        } catch let e as ExtractError {
            guard case .unusableAnswer(let cmd, let detail, let text) = e else { Issue.record("\(e)"); return }
            #expect(cmd == "list station" && detail.contains("row 2 of 2") && detail.contains("8005ff00"))
            #expect(text.contains("Row Without Key"))
            #expect(e.localizedDescription.contains("CM returned") && e.localizedDescription.contains("--ossi-dictionary"))
        }
        let ok = try PbxdPull.keyedRows([["8005ff00": " 3001 "]], keyId: "8005ff00", command: "list station")
        #expect(ok.map(\.key) == ["3001"])
    }

    @Test func displayAnsweringSeveralObjectsFails() throws {
        #expect(throws: Never.self) { try PbxdPull.singleObject([["8005ff00": "3001"]], command: "display station 3001") }
        let two: [JSONValue] = [["8005ff00": "3001"], ["8005ff00": "30011"]]
        #expect(throws: ExtractError.unusableAnswer(command: "display station 3001",
                                                    detail: "the display answer carries 2 objects, expected one",
                                                    cmText: JSONValue.array(two).canonicalText())) {
            try PbxdPull.singleObject(two, command: "display station 3001")
        }
    }

    /// End to end against the CM sandbox: the dictionary names another key id for `list station`
    /// (ids from another release) for stations, so every `list station` row lacks it; the pull fails and stages nothing.
    @Test func pullWithAMismatchedKeyIdStagesNothing() async throws {
        let sb = try await Fixture.sandbox()
        defer { Task { await sb.stop() } }
        let stage = try tempDir().appendingPathComponent("strict.sqlite")
        var o = Fixture.options(sb, kind: .pbxd, stage: stage)
        o.datasets = [.stations]
        o.dictionary = OSSIDictionary.builtIn.merging(OSSIDictionary(forms: ["station": ["8005ff00": "x.moved", "8006ff00": "extension"]]))
        await #expect(throws: ExtractError.self) { _ = try await Extractor.run(o) }
        try ResilienceTests.expectCleanFailure(stage)
    }

    @Test func cliExitsTwoWithTheCMText() async throws {
        let sb = try await Fixture.sandbox()
        defer { Task { await sb.stop() } }
        let dir = try tempDir()
        let dict = dir.appendingPathComponent("ids.json")
        try Data(#"{"forms": {"station": {"8005ff00": "x.moved", "8006ff00": "extension"}}}"#.utf8).write(to: dict)
        let r = try runProduct(try ExtractCLITests.binary(),
                               ["extract", "--from", sb.baseURL, "--kind", "pbxd", "--stage", dir.appendingPathComponent("s.sqlite").path,
                                "--ossi-dictionary", dict.path],
                               environment: ExtractCLITests.environment())
        ExtractCLITests.expectOneClearError(r, mentions: "has no key field 8006ff00")
        #expect(r.stderr.contains("CM returned"))
    }
}
