import AvayaCM
import Foundation
#if canImport(Glibc)
import Glibc
#endif

// Reader benchmark: generates (or reuses) a large site and reads each format separately,
// reporting records/s and peak RSS. Run with `make bench-read` (release build).
// Usage: cm2gc-bench [--stations N] [--agents N] [--dir DIR] [--keep] [--read PATH]...
// `--read PATH` (repeatable) reads only the given files or directories (one row each, format
// detected from content), without generating a site: e.g. the SAT directory of `make bench-build`.

var stations = 100_000, agents = 20_000
var dir = FileManager.default.temporaryDirectory.appendingPathComponent("cm2gc-bench-site").path
var keep = false
var readPaths: [String] = []
var args = Array(CommandLine.arguments.dropFirst())
while !args.isEmpty {
    let a = args.removeFirst()
    switch a {
    case "--stations": stations = Int(args.isEmpty ? "" : args.removeFirst()) ?? stations
    case "--agents": agents = Int(args.isEmpty ? "" : args.removeFirst()) ?? agents
    case "--dir": dir = args.isEmpty ? dir : args.removeFirst()
    case "--keep": keep = true
    case "--read": if !args.isEmpty { readPaths.append(args.removeFirst()) }
    default: FileHandle.standardError.write(Data("unknown argument \(a)\n".utf8)); exit(64)
    }
}

func maxRSSMiB() -> Double {
    var u = rusage()
    getrusage(RUSAGE_SELF.rawValue, &u)
    return Double(u.ru_maxrss) / 1024.0  // Linux reports KiB
}

func now() -> Double { Date().timeIntervalSince1970 }

/// CPU seconds (user + system) of this process: unlike wall time, not inflated when other
/// builds share the machine.
func cpu() -> Double {
    var u = rusage()
    getrusage(RUSAGE_SELF.rawValue, &u)
    return Double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) + Double(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6
}

func size(_ p: String) -> Int64 {
    var isDir: ObjCBool = false
    if FileManager.default.fileExists(atPath: p, isDirectory: &isDir), !isDir.boolValue {
        return ((try? FileManager.default.attributesOfItem(atPath: p))?[.size] as? Int64) ?? 0
    }
    guard let e = FileManager.default.enumerator(atPath: p) else { return 0 }
    var t: Int64 = 0
    while let f = e.nextObject() as? String {
        t += ((try? FileManager.default.attributesOfItem(atPath: (p as NSString).appendingPathComponent(f)))?[.size] as? Int64) ?? 0
    }
    return t
}

let header = "format  MiB-in   records   wall-s   cpu-s   records/s(cpu)   MB/s(cpu)   peak-RSS-MiB  errors"

func measure(_ label: String, _ p: String) throws {
    let bytes = size(p)
    let t0 = now(), c0 = cpu()
    let r = try AvayaReader.read(paths: [p])
    let dt = now() - t0, dc = cpu() - c0
    let records = r.report.counts.values.reduce(0) { $0 + $1.read }
    let errors = r.diagnostics.filter { $0.severity == .error }.count
    print(String(format: "%-6@ %7.1f %9d %8.2f %7.2f %16.0f %11.1f %14.0f  %d", label as NSString, Double(bytes) / 1_048_576, records,
                 dt, dc, Double(records) / dc, Double(bytes) / 1_048_576 / dc, maxRSSMiB(), errors))
    print(String(format: "        %.1f MB/s (wall), %.1f MB/s (cpu), MB = 10^6 bytes", Double(bytes) / 1e6 / dt, Double(bytes) / 1e6 / dc))
    if !r.report.reconciles { print("  counts do not reconcile!") }
}

if !readPaths.isEmpty {
    print(header)
    for p in readPaths { try measure((p as NSString).lastPathComponent, p) }
    exit(0)
}

let profile = SiteProfile(stations: stations, agents: agents, huntGroups: 200, vectors: 120, vdns: 300, seed: 7)
let marker = (dir as NSString).appendingPathComponent(".profile-\(stations)-\(agents)")
if !FileManager.default.fileExists(atPath: marker) {
    try? FileManager.default.removeItem(atPath: dir)
    let t0 = now()
    let site = SiteGenerator.generate(profile)
    try SiteWriter.write(site, formats: SiteWriter.Format.allCases, to: dir)
    _ = FileManager.default.createFile(atPath: marker, contents: nil)
    print(String(format: "generated %d stations, %d agents in %.1f s", stations, agents, now() - t0))
}
print(String(format: "baseline peak RSS before reading: %.0f MiB (includes generation if it ran)", maxRSSMiB()))

print(header)
for f in ["sat", "ossi", "smgr"] {
    try measure(f, (dir as NSString).appendingPathComponent(f))
}
if !keep { try? FileManager.default.removeItem(atPath: dir) }
