import Foundation
import Testing
@testable import Common
#if canImport(Glibc)
import Glibc
#endif

private func scratch(_ tag: String = #function) throws -> URL {
    let u = FileManager.default.temporaryDirectory.appendingPathComponent("cm2gc-common-\(tag.filter(\.isLetter))-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: u, withIntermediateDirectories: true)
    return u
}

/// Writes an executable shell script and returns its path. Opened close-on-exec: a program that
/// another test starts at the same moment must not inherit the write descriptor, or running the
/// script fails with "text file busy" (ETXTBSY) while that program lives.
private func script(_ dir: URL, _ name: String, _ body: String) throws -> String {
    let path = dir.appendingPathComponent(name).path
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o700)
    guard fd >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
    defer { close(fd) }
    let bytes = Array(("#!/bin/sh\n" + body + "\n").utf8)
    guard bytes.withUnsafeBytes({ write(fd, $0.baseAddress, $0.count) }) == bytes.count else {
        throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO)
    }
    return path
}

@Suite struct CredentialProcessTests {
    @Test func splitsLikeAShellWithoutExpanding() throws {
        #expect(try CredentialProcess.split("vault kv get -format=json secret/cm2gc") == ["vault", "kv", "get", "-format=json", "secret/cm2gc"])
        #expect(try CredentialProcess.split(#"  a  'b c'  "d \"e\" $HOME"  f\ g "#) == ["a", "b c", #"d "e" $HOME"#, "f g"])
        // No expansion of any kind: variables, globs, pipes and substitutions are plain text.
        #expect(try CredentialProcess.split("echo $HOME * | cat `id` $(id)") == ["echo", "$HOME", "*", "|", "cat", "`id`", "$(id)"])
        #expect(try CredentialProcess.split("x ''") == ["x", ""])
        #expect(try CredentialProcess.split(#"x "a\nb""#) == ["x", #"a\nb"#])
        #expect(throws: CredentialProcessError.badCommand("unbalanced single quote")) { try CredentialProcess.split("x 'y") }
        #expect(throws: CredentialProcessError.badCommand("unbalanced double quote")) { try CredentialProcess.split(#"x "y"#) }
        #expect(throws: CredentialProcessError.badCommand("it is empty")) { try CredentialProcess.split("   ") }
    }

    @Test func readsTheJSONObjectFromStdoutAndPassesArgumentsVerbatim() throws {
        let dir = try scratch()
        let args = dir.appendingPathComponent("args").path
        let s = try script(dir, "creds", #"printf '%s|' "$@" > "\#(args)"; printf '{"username": "svc", "password": "pa ss:\\"w"}\n'"#)
        let f = try CredentialProcess.fields(["username", "password"], from: "'\(s)' one 'two words' $NOPE")
        #expect(f["username"]?.value == "svc")
        #expect(f["password"]?.value == #"pa ss:"w"#)
        #expect(try String(contentsOfFile: args, encoding: .utf8) == "one|two words|$NOPE|")
    }

    @Test func findsTheProgramInPATHAndGivesItNoStdin() throws {
        let dir = try scratch()
        // `cat` with stdin /dev/null prints nothing: a prompt cannot hang the run.
        _ = try script(dir, "cm2gc-test-creds", #"cat; echo '{"clientId":"c","clientSecret":"s"}'"#)
        var env = ProcessInfo.processInfo.environment
        env["PATH"] = dir.path + ":" + (env["PATH"] ?? "/usr/bin:/bin")
        let out = try CredentialProcess.output(of: "cm2gc-test-creds", environment: env)
        #expect(out.value == #"{"clientId":"c","clientSecret":"s"}"#)
        #expect(throws: CredentialProcessError.notFound("no-such-cm2gc-helper")) {
            try CredentialProcess.output(of: "no-such-cm2gc-helper --x", environment: env)
        }
    }

    @Test func failuresNameTheProgramButNeverItsOutput() throws {
        let dir = try scratch()
        let bad = try script(dir, "bad", "echo 'TOPSECRET-1'; exit 3")
        let e1 = #expect(throws: CredentialProcessError.self) { try CredentialProcess.output(of: bad) }
        #expect(e1 == .failed(bad, status: 3, signalled: false))
        let notJSON = try script(dir, "notjson", "echo 'password=TOPSECRET-2'")
        let e2 = #expect(throws: CredentialProcessError.self) { try CredentialProcess.fields(["password"], from: notJSON) }
        #expect(e2?.localizedDescription.contains("TOPSECRET") == false)
        #expect(e2?.localizedDescription.contains("not one JSON object") == true)
        let missing = try script(dir, "missing", #"echo '{"user":"TOPSECRET-3","password":"x"}'"#)
        let e3 = #expect(throws: CredentialProcessError.self) { try CredentialProcess.fields(["username", "password"], from: missing) }
        #expect(e3?.localizedDescription.contains("TOPSECRET") == false)
        #expect(e3?.localizedDescription.contains("\"username\"") == true)
        let empty = try script(dir, "empty", "true")
        #expect(throws: CredentialProcessError.badOutput(empty, "nothing on stdout")) { try CredentialProcess.output(of: empty) }
    }

    @Test func aHangingProcessIsKilledAtTheTimeout() throws {
        let dir = try scratch()
        let slow = try script(dir, "slow", "exec sleep 30")
        let start = Date()
        #expect(throws: CredentialProcessError.timedOut(slow, after: .milliseconds(200))) {
            try CredentialProcess.output(of: slow, timeout: .milliseconds(200))
        }
        #expect(Date().timeIntervalSince(start) < 10)
    }
}

@Suite struct RunLockTests {
    @Test func aSecondHolderIsRefusedAtOnceAndNamesTheFirst() throws {
        let path = try scratch().appendingPathComponent("store.lock").path
        let first = try RunLock.acquire(path, command: "cm2gc extract --kind rest")
        #expect(first.tookOverFrom == nil)
        let e = #expect(throws: RunLockError.self) { try RunLock.acquire(path, command: "second") }
        guard case .busy(let p, let holder)? = e else { Issue.record("expected busy, got \(String(describing: e))"); return }
        #expect(p == path)
        #expect(holder?.pid == getpid())
        #expect(holder?.command == "cm2gc extract --kind rest")
        #expect(e?.localizedDescription.contains("process \(getpid())") == true)
        first.release()
        let again = try RunLock.acquire(path, command: "third")
        #expect(again.tookOverFrom == nil, "a released lock is not stale")
    }

    @Test func aLockFileLeftByADeadProcessIsTakenOver() throws {
        let path = try scratch().appendingPathComponent("ledger.lock").path
        // What a SIGKILLed holder leaves: its record in the file, no flock (the kernel dropped it).
        try Data("pid=999999\nhost=\(RunLock.hostName())\nstarted=2026-01-01T00:00:00Z\ncommand=cm2gc-upload apply\n".utf8)
            .write(to: URL(fileURLWithPath: path))
        let l = try RunLock.acquire(path, command: "cm2gc-upload apply")
        #expect(l.tookOverFrom?.pid == 999999)
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text.contains("pid=\(getpid())\n"))
    }
}
