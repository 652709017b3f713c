import Foundation

/// An executable of this package built next to the test bundle (`swift build --build-tests`
/// builds every product), for tests that run the real command line.
public func productBinary(_ name: String) -> URL? {
    var candidates: [URL] = [URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()]
    if let exe = Bundle.main.executableURL { candidates.append(exe.deletingLastPathComponent()) }
    candidates.append(URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent())
    for dir in candidates {
        var d = dir
        for _ in 0..<4 {
            let u = d.appendingPathComponent(name)
            if FileManager.default.isExecutableFile(atPath: u.path) { return u }
            d = d.deletingLastPathComponent()
        }
    }
    return nil
}

/// Runs a program to completion; returns its exit status and what it wrote to stdout and stderr.
/// `environment` nil inherits this process's.
public func runProduct(_ binary: URL, _ arguments: [String], environment: [String: String]? = nil,
                       in directory: URL? = nil) throws -> (status: Int32, stdout: String, stderr: String) {
    let p = Process()
    p.executableURL = binary
    p.arguments = arguments
    if let environment { p.environment = environment }
    if let directory { p.currentDirectoryURL = directory }
    let out = Pipe(), err = Pipe()
    p.standardOutput = out
    p.standardError = err
    try p.run()
    // Read before waiting, so a chatty child cannot block on a full pipe.
    let o = out.fileHandleForReading.readDataToEndOfFile()
    let e = err.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return (p.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
}

/// Runs `body` on its own thread and awaits it. Async tests that wait for a child process must not
/// block the cooperative pool (two threads on a 2-core machine): a child that talks to an
/// in-process sandbox needs that pool to be answered.
public func offThePool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { c in
        Thread.detachNewThread { c.resume(with: Result { try body() }) }
    }
}

/// `runProduct` without blocking the cooperative pool (see `offThePool`).
public func runProductAsync(_ binary: URL, _ arguments: [String], environment: [String: String]? = nil,
                            in directory: URL? = nil) async throws -> (status: Int32, stdout: String, stderr: String) {
    try await offThePool { try runProduct(binary, arguments, environment: environment, in: directory) }
}
