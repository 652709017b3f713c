import Common
import Foundation

/// Input family detected from a file's content (never from its extension).
public enum DetectedFormat: String, Sendable, Codable, Hashable {
    case sat, ossi, smgr, zip, unknown
    /// A pbxd v3 JSON answer (`{"ossi_objects": …}`), read through its `debug` raw lines.
    case pbxd
}

public struct ReadOptions: Sendable {
    /// Field-id dictionary for OSSI captures whose CM release is not known.
    public var ossiDictionary: OSSIDictionary
    /// Dictionaries per CM release family, picked by the release a capture names.
    public var ossiFamilies: [OSSIReleaseFamily]
    /// `--ossi-dictionary`: merged over whichever dictionary a capture would use.
    public var ossiOverride: OSSIDictionary?

    public init(ossiDictionary: OSSIDictionary = .builtIn, ossiFamilies: [OSSIReleaseFamily] = OSSIReleaseFamily.builtIn,
                ossiOverride: OSSIDictionary? = nil) {
        self.ossiDictionary = ossiDictionary; self.ossiFamilies = ossiFamilies; self.ossiOverride = ossiOverride
    }

    /// The dictionary for a capture of CM release `R0<release>` (nil: unknown release).
    public func dictionary(release: Int?) -> OSSIDictionary {
        let base = release.flatMap { r in ossiFamilies.first { $0.releases.contains(r) }?.dictionary } ?? ossiDictionary
        return ossiOverride.map { base.merging($0) } ?? base
    }
}

public struct ReadResult: Sendable {
    public var model: SiteModel
    public var report: ReadReport
    /// Sorted by file, line, then severity.
    public var diagnostics: [Diagnostic]
}

/// Entry points: read files and directories of mixed SAT/OSSI/SMGR inputs into one model.
public enum AvayaReader {
    /// Reads every file under `paths` (directories recursively, hidden files skipped, sorted by
    /// path so results are deterministic) and merges them into one model.
    public static func read(paths: [String], options: ReadOptions = .init()) throws -> ReadResult {
        let files = try expand(paths)
        let builder = ModelBuilder()
        for f in files { readFile(f, into: builder, options: options) }
        return finish(builder)
    }

    /// Reads in-memory text (tests, tools). `name` is used in locations.
    public static func read(text: String, name: String, options: ReadOptions = .init()) -> ReadResult {
        read(bytes: Array(text.utf8), name: name, options: options)
    }

    public static func read(bytes: [UInt8], name: String, options: ReadOptions = .init()) -> ReadResult {
        let builder = ModelBuilder()
        let fmt = detect(bytes.prefix(8192))
        builder.noteFile(name, format: fmt.rawValue)
        switch fmt {
        case .sat, .ossi:
            var s = LineStream(bytes: bytes)
            readLines(&s, fmt, name, builder, options)
        case .pbxd:
            PbxdJSONReader(file: name, builder: builder, options: options).read(bytes: bytes)
        case .smgr:
            SMGRReader(file: name, builder: builder).read(bytes: bytes)
        case .zip:
            // libarchive needs a file; in-memory zips go through a temp file.
            let tmp = FileManager.default.temporaryDirectory.appendingPathComponent("cm2gc-\(UUID().uuidString).zip")
            do {
                try Data(bytes).write(to: tmp)
                ZipReader(file: name, builder: builder).read(path: tmp.path)
            } catch {
                builder.reject(nil, key: nil, at: SourceLocation(file: name), reason: "cannot stage zip: \(error)", code: "zip.open")
            }
            try? FileManager.default.removeItem(at: tmp)
        case .unknown:
            unknown(name, bytes.prefix(8192), builder)
        }
        return finish(builder)
    }

    /// Detects the format of one file from its first bytes.
    public static func detectFormat(path: String) throws -> DetectedFormat {
        detect(try head(path))
    }

    static func head(_ path: String) throws -> ArraySlice<UInt8> {
        guard let h = FileHandle(forReadingAtPath: path) else { throw AvayaReadError.cannotOpen(path, "not readable") }
        defer { try? h.close() }
        let d: Data = (try? h.read(upToCount: 8192)) ?? Data()
        return Array(d)[...]
    }

    static func detect(_ head: ArraySlice<UInt8>) -> DetectedFormat {
        if head.starts(with: [0x50, 0x4B, 0x03, 0x04]) || head.starts(with: [0x50, 0x4B, 0x05, 0x06]) { return .zip }
        if TerminalText.looksBinary(head) { return .unknown }
        var body = head
        if body.starts(with: [0xEF, 0xBB, 0xBF]) { body = body.dropFirst(3) }
        if let first = body.firstIndex(where: { !($0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09) }) {
            if body[first] == UInt8(ascii: "<") { return .smgr }
            if body[first] == UInt8(ascii: "{"), body.firstRange(of: Array("\"ossi_objects\"".utf8)) != nil
                || body.firstRange(of: Array("\"debug\"".utf8)) != nil { return .pbxd }
        }
        var checked = 0
        for raw in body.split(separator: 0x0A) {
            let line = Array(raw.filter { $0 != 0x0D })
            guard let tag = line.first, !line.allSatisfy(Bytes.isSpace) else { continue }
            checked += 1
            if checked > 40 { break }
            let rest = Array(line.dropFirst())
            if tag == UInt8(ascii: "c"), SATCommand.parse(rest.drop(while: Bytes.isSpace).map { $0 }) != nil,
               !line.contains(where: { $0 == 0x1B }) {
                // "change vector 5" would parse as "hange…" and fail; "cdisp sta 1" / "c list station" pass.
                return .ossi
            }
            if tag == UInt8(ascii: "f"), rest.count >= 8,
               rest.prefix(8).allSatisfy({ Bytes.isDigit($0) || (0x61...0x66).contains($0) || (0x41...0x46).contains($0) }) {
                return .ossi
            }
            for l in TerminalText.clean(line) where SATCommand.parse(l) != nil { return .sat }
        }
        return .unknown
    }

    static func unknown(_ name: String, _ head: ArraySlice<UInt8>, _ b: ModelBuilder) {
        // Binary input is an error (a damaged or wrong file); unrecognised text (README, notes)
        // holds no records, so it is only a warning.
        if TerminalText.looksBinary(head) {
            b.reject(nil, key: nil, at: SourceLocation(file: name, line: 1), reason: "file is binary, not an Avaya export",
                     code: "read.binary", hint: "remove the file from the input, or re-export it")
        } else {
            b.diagnostics.emit(.warning("read.unknown-format",
                "file is not a recognised Avaya export (no SAT command echo, OSSI lines or SMGR XML); skipped",
                at: SourceLocation(file: name, line: 1),
                hint: "check it is a SAT capture, OSSI response or SMGR export"))
        }
    }

    static func readFile(_ path: String, into b: ModelBuilder, options: ReadOptions) {
        let fmt: DetectedFormat
        do { fmt = detect(try head(path)) } catch {
            b.reject(nil, key: nil, at: SourceLocation(file: path), reason: "\(error.localizedDescription)", code: "read.open",
                     hint: "check permissions")
            return
        }
        b.noteFile(path, format: fmt.rawValue)
        switch fmt {
        case .sat, .ossi:
            do {
                var s = try LineStream(path: path)
                defer { s.close() }
                readLines(&s, fmt, path, b, options)
            } catch {
                b.reject(nil, key: nil, at: SourceLocation(file: path), reason: error.localizedDescription, code: "read.open")
            }
        case .smgr: SMGRReader(file: path, builder: b).read(path: path)
        case .pbxd:
            do { PbxdJSONReader(file: path, builder: b, options: options).read(bytes: Array(try Data(contentsOf: URL(fileURLWithPath: path)))) } catch {
                b.reject(nil, key: nil, at: SourceLocation(file: path), reason: error.localizedDescription, code: "read.open")
            }
        case .zip: ZipReader(file: path, builder: b).read(path: path)
        case .unknown: unknown(path, (try? head(path)) ?? [], b)
        }
    }

    /// SAT and OSSI text: one reader per file, then one note if any line had to be decoded as
    /// Windows-1252 (the file is not UTF-8).
    static func readLines(_ s: inout LineStream, _ fmt: DetectedFormat, _ name: String, _ b: ModelBuilder, _ options: ReadOptions) {
        if fmt == .sat { SATReader(file: name, builder: b).read(&s) }
        else { var r = OSSIReader(file: name, builder: b, options: options); r.read(&s) }
        if let first = s.windows1252Line {
            b.diagnostics.emit(.note("read.windows-1252",
                "the file is not valid UTF-8; read as Windows-1252 (first such line: \(first))",
                at: SourceLocation(file: name, line: first),
                hint: "check names with accents in the output; save the capture as UTF-8 to avoid the guess"))
        }
    }

    static func expand(_ paths: [String]) throws -> [String] {
        var out: [String] = []
        let fm = FileManager.default
        for p in paths {
            var isDir: ObjCBool = false
            guard fm.fileExists(atPath: p, isDirectory: &isDir) else { throw AvayaReadError.cannotOpen(p, "no such file or directory") }
            if !isDir.boolValue { out.append(p); continue }
            guard let e = fm.enumerator(atPath: p) else { throw AvayaReadError.cannotOpen(p, "cannot list directory") }
            var found: [String] = []
            while let rel = e.nextObject() as? String {
                if rel.split(separator: "/").contains(where: { $0.hasPrefix(".") }) { continue }
                let full = (p as NSString).appendingPathComponent(rel)
                var d: ObjCBool = false
                if fm.fileExists(atPath: full, isDirectory: &d), !d.boolValue { found.append(full) }
            }
            out.append(contentsOf: found.sorted())
        }
        return out
    }

    static func finish(_ b: ModelBuilder) -> ReadResult {
        let (model, report) = b.finish()
        let diags = b.diagnostics.diagnostics.enumerated().sorted { x, y in
            let a = x.element, c = y.element
            let la = (a.location?.file ?? "", a.location?.line ?? 0), lc = (c.location?.file ?? "", c.location?.line ?? 0)
            if la != lc { return la < lc }
            return x.offset < y.offset
        }.map(\.element)
        return ReadResult(model: model, report: report, diagnostics: diags)
    }
}
