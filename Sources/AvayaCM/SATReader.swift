import Common
import Foundation

/// The SAT objects we understand. `words` are the full command words; typed commands may
/// abbreviate each word (`disp sta`, `li hu`), except `cor`/`cos`, which must be exact.
enum SATObject: String, CaseIterable, Sendable {
    case station, agent, huntGroup, vector, vdn, coveragePath, cor, cos, reasonCodes, holidayTable
    case announcement, publicNumbering, dialPlan, pickupGroup, tenant

    /// Every object with its command words, built once (`match` runs for every command line).
    static let table: [(object: SATObject, words: [String])] = allCases.map { ($0, $0.words) }

    var words: [String] {
        switch self {
        case .station: ["station"]
        case .agent: ["agent-loginid"]
        case .huntGroup: ["hunt-group"]
        case .vector: ["vector"]
        case .vdn: ["vdn"]
        case .coveragePath: ["coverage", "path"]
        case .cor: ["cor"]
        case .cos: ["cos"]
        case .reasonCodes: ["reason-code-names"]
        case .holidayTable: ["holiday-table"]
        case .announcement: ["announcement"]
        case .publicNumbering: ["public-unknown-numbering"]
        case .dialPlan: ["dialplan", "analysis"]
        case .pickupGroup: ["pickup-group"]
        case .tenant: ["tenant"]
        }
    }

    var kind: ObjectKind {
        switch self {
        case .station: .station
        case .agent: .agent
        case .huntGroup: .huntGroup
        case .vector: .vector
        case .vdn: .vdn
        case .coveragePath: .coveragePath
        case .cor: .cor
        case .cos: .cos
        case .reasonCodes: .reasonCode
        case .holidayTable: .holidayTable
        case .announcement: .announcement
        case .publicNumbering: .publicNumbering
        case .dialPlan: .dialPlan
        case .pickupGroup: .pickupGroup
        case .tenant: .tenant
        }
    }

    /// Matches abbreviated command words against an object. Returns words consumed.
    static func match(_ w: [String]) -> (SATObject, Int)? {
        var best: (SATObject, Int)? = nil
        for (o, ow) in table {
            guard w.count >= ow.count else {
                // `display dialplan` alone is not a screen we know; require every word.
                continue
            }
            var ok = true
            for (i, word) in ow.enumerated() {
                let typed = w[i]
                if word == "cor" || word == "cos" || word == "vdn" {
                    if typed != word { ok = false; break }
                } else if !(typed.count >= 2 && word.hasPrefix(typed)) && typed != word {
                    ok = false; break
                }
            }
            if ok {
                // Exact first-word matches beat prefixes ("cov" vs "cor" never collide, but keep it strict).
                if best == nil || w[0] == ow[0] { best = (o, ow.count) }
            }
        }
        return best
    }
}

/// A command echo found in a capture.
struct SATCommand {
    var verb: String          // display, list, change, add, status, monitor
    var object: SATObject?
    var objectText: String    // as typed, for messages
    var qualifier: String
    var page: Int?
    var pageTotal: Int?
    var text: String          // normalised command, for page joining

    static let verbs = ["display", "list", "change", "add", "status", "monitor", "remove", "duplicate"]

    /// Recognises `display station 3001      Page   1 of   5`, `disp sta 3001`, collapsed
    /// `Add hunt-group 11 Page 2 of 6`, `Command: list station`. Nil for form lines.
    static func parse(_ line: [UInt8]) -> SATCommand? {
        var i = 0
        let n = line.count
        while i < n, Bytes.isSpace(line[i]) { i += 1 }
        guard i < n, Bytes.isLetter(line[i]) else { return nil }
        // Cheap pre-filter (this runs on every line): the first word must start a verb or be "Command:".
        var j = i
        while j < n, Bytes.isLetter(line[j]) { j += 1 }
        let len = j - i
        guard len >= 2 else { return nil }
        let c0 = Bytes.lower(line[i]), c1 = Bytes.lower(line[i + 1])
        switch (c0, c1) {
        case (UInt8(ascii: "d"), UInt8(ascii: "i")), (UInt8(ascii: "l"), UInt8(ascii: "i")), (UInt8(ascii: "c"), UInt8(ascii: "h")),
             (UInt8(ascii: "a"), UInt8(ascii: "d")), (UInt8(ascii: "s"), UInt8(ascii: "t")), (UInt8(ascii: "m"), UInt8(ascii: "o")),
             (UInt8(ascii: "r"), UInt8(ascii: "e")), (UInt8(ascii: "d"), UInt8(ascii: "u")), (UInt8(ascii: "c"), UInt8(ascii: "o")):
            break
        default: return nil
        }
        var s = Array(line[i...])
        // Row-24 prompt echo.
        if s.count >= 8, Bytes.key(s[0..<8]) == "command:" {
            s = Array(s[8...])
            while let f = s.first, Bytes.isSpace(f) { s.removeFirst() }
            if s.isEmpty { return nil }
        }
        let toks = Bytes.tokens(s)
        guard toks.count >= 2 else { return nil }
        let w0 = Bytes.key(s[toks[0]])
        guard w0.count >= 2, w0.utf8.allSatisfy({ Bytes.isLetter($0) }),
              let verb = verbs.first(where: { $0.hasPrefix(w0) }) else { return nil }
        // Page indicator: "Page n" or "Page n of m", last tokens of the line.
        var page: Int? = nil, total: Int? = nil
        var cmdEnd = toks.count
        if let p = toks.lastIndex(where: { $0.count == 4 && s[$0].elementsEqual(SATReader.pageWord) }), p >= 2, p + 1 < toks.count,
           let pn = Int(Bytes.string(s, toks[p + 1])) {
            if p + 3 < toks.count, Bytes.string(s, toks[p + 2]) == "of", let pt = Int(Bytes.string(s, toks[p + 3])),
               p + 4 == toks.count {
                page = pn; total = pt; cmdEnd = p
            } else if p + 2 == toks.count {
                page = pn; cmdEnd = p
            }
        }
        if page == nil {
            // Without a page indicator, only accept lines that cannot be form fields or titles
            // ("LIST USAGE REPORT" is a title, not a command).
            if s.contains(UInt8(ascii: ":")) || s.contains(UInt8(ascii: "?")) { return nil }
            if !s.contains(where: { $0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "z") }) { return nil }
        }
        let words = toks[1..<cmdEnd].map { Bytes.key(s[$0]) }
        guard !words.isEmpty else { return nil }
        let m = SATObject.match(words)
        let consumed = m?.1 ?? 1
        let qualifier = words.dropFirst(consumed).joined(separator: " ")
        let objectText = words.prefix(consumed).joined(separator: " ")
        let normVerb = (verb == "change" || verb == "add") ? "display" : verb
        return SATCommand(verb: verb, object: m?.0, objectText: objectText, qualifier: qualifier,
                          page: page, pageTotal: total,
                          text: "\(normVerb) \(m.map { $0.0.rawValue } ?? objectText) \(qualifier)")
    }

    /// "display station 3001" / "display cos" for messages.
    var display: String { qualifier.isEmpty ? "\(verb) \(objectText)" : "\(verb) \(objectText) \(qualifier)"
    }
}

/// One command's output, pages joined.
struct SATScreen {
    var command: SATCommand
    var commandLine: Int
    var pagesSeen: [Int] = []
    var lines: [(num: Int, bytes: [UInt8])] = []
    /// Non-blank lines since the last page header (a page has 22 rows below its header).
    var rowsOnPage = 0
    /// The screen ended (the `Command:` prompt came back, or noise began): later lines until the
    /// next command are not part of it.
    var closed = false
    /// Why the screen is incomplete inside a page (session dropped…), with the line.
    var cut: (line: Int, why: String)? = nil
    /// Lines dropped after the screen ended (first line, count).
    var noise: (line: Int, count: Int)? = nil
}

/// Reads SAT captures (terminal logs, ASA report text) into the builder. Streams: only one
/// screen is held in memory at a time.
struct SATReader {
    let file: String
    let builder: ModelBuilder
    /// Set on the copies that parse screens on worker threads: what they find is recorded and
    /// applied to the builder later, in capture order (`SATParsePool`).
    var recorder: SATRecorder? = nil

    /// Where parsing sends records, rejects and diagnostics: the builder, or the recorder.
    var out: SATOutput { SATOutput(builder: builder, recorder: recorder) }

    /// Captures at least this large are read by two threads (see `read(_:pipelined:)`).
    static let pipelineBytes = 1 << 20

    /// Reads the capture. `pipelined`: this thread cuts the lines into screens while `workers`
    /// threads (default: one per core, at most 4) parse batches of screens; what each batch
    /// produces is recorded and applied to the builder in capture order (`SATParsePool`), so
    /// results are the same as read by one thread and memory stays bounded. Default: pipelined
    /// for captures of `pipelineBytes` and more.
    func read(_ stream: inout LineStream, pipelined: Bool? = nil, workers: Int? = nil) {
        let two = pipelined ?? ((stream.byteSize ?? 0) >= SATReader.pipelineBytes)
        guard two else {
            let screens = cut(&stream) { flush($0) }
            finishRead(screens)
            return
        }
        let pool = SATParsePool(reader: self, workers: max(workers ?? SATParsePool.defaultWorkers, 1))
        var batch: [SATScreen] = []
        batch.reserveCapacity(SATParsePool.batch)
        let screens = cut(&stream) { s in
            batch.append(s)
            if batch.count == SATParsePool.batch { pool.push(batch); batch.removeAll(keepingCapacity: true) }
        }
        if !batch.isEmpty { pool.push(batch) }
        pool.close()
        pool.waitFinished()
        finishRead(screens)
    }

    /// Parses one batch of screens into a recorder (runs on a worker thread).
    func parse(_ batch: [SATScreen]) -> [(ModelBuilder) -> Void] {
        var r = self
        let rec = SATRecorder()
        r.recorder = rec
        for s in batch { r.flush(s) }
        return rec.ops
    }

    private func finishRead(_ screens: Int) {
        if screens == 0 {
            out.emit(.warning("sat.no-commands", "no SAT command echo found; nothing read",
                at: loc(1), hint: "captures must include the command line (e.g. 'display station 3001   Page 1 of 5')"))
        }
    }

    /// Cuts the capture into screens (pages joined, prompts, noise and cuts marked) and hands
    /// each finished screen to `emit`, in order. Touches no shared state. Returns the number
    /// of screens.
    private func cut(_ stream: inout LineStream, _ emit: (SATScreen) -> Void) -> Int {
        var current: SATScreen? = nil
        var screens = 0
        // A terminal session log (it shows bare `Command:` prompts): every screen ends with the
        // prompt, so a screen still open at the end of the file was cut.
        var session = false
        // The last page header's text before `Page`: the next page of the same screen repeats it.
        var memo = CommandMemo()
        func handle(_ line: [UInt8], _ num: Int) {
            // The first non-blank byte, found once for all the classifiers below.
            let first = SATReader.firstNonBlank(line)
            let prompt = SATReader.isPrompt(line, first)
            let cmd = SATReader.command(line, &memo, first)
            // Only the bare prompt proves the log records the prompt that ends each screen
            // ("Command: disp sta 3010" echoes also appear in pasted captures).
            if prompt, cmd == nil { session = true }
            if let cmd {
                if var cur = current, let p = cmd.page, p > 1, cur.command.text == cmd.text {
                    cur.pagesSeen.append(p)
                    if cur.command.pageTotal == nil { cur.command.pageTotal = cmd.pageTotal }
                    cur.rowsOnPage = 0
                    cur.closed = false
                    current = cur
                    return
                }
                // A prompt echo ("Command: disp sta 3010") directly followed by the screen's
                // own page header is one command, not two.
                // CM redraws the typed command in full ("li ext" → "list extension-type"), so an
                // echo of an object the model does not read matches any header of the same verb.
                if let cur = current, cur.command.page == nil,
                   cur.command.text == cmd.text || (cur.command.verb == cmd.verb && cur.command.object == nil && cmd.object == nil),
                   cur.lines.allSatisfy({ $0.bytes.allSatisfy(Bytes.isSpace) }) {
                    current = nil
                }
                if let cur = current { emit(cur); screens += 1 }
                var scr = SATScreen(command: cmd, commandLine: num)
                scr.lines.reserveCapacity(48)  // a station's four pages, without regrowing line by line
                if let p = cmd.page { scr.pagesSeen = [p] }
                current = scr
                return
            }
            // The open screen is changed in place (`current?.…`): a copy per line would copy its lines.
            // Read field by field in place: `current.map { … }` copied the whole screen per line.
            guard let stClosed = current?.closed else { return }
            let st = (closed: stClosed, uncut: current?.cut == nil, paged: current?.command.page != nil,
                      rows: current?.rowsOnPage ?? 0, noise: current?.noise ?? nil)
            if let why = SATReader.sessionEnd(line, first) {
                // The session dropped: a screen still being drawn is cut.
                if !st.closed, st.uncut { current?.cut = (num, why) }
                current?.closed = true
                return
            }
            if prompt || isNoise(line, first) {
                if prompt { current?.closed = true }
                return
            }
            var closed = st.closed
            if !closed, SATReader.isForeign(line, first) || (st.paged && st.rows >= 23) {
                // Shell lines, pasted trace output, or more rows than a 24-row page holds.
                closed = true
                current?.closed = true
            }
            if closed {
                current?.noise = (st.noise?.line ?? num, (st.noise?.count ?? 0) + 1)
                return
            }
            current?.rowsOnPage += 1
            current?.lines.append((num, line))
        }
        while let raw = stream.next() {
            let num = stream.lineNumber
            // Lines without control bytes (nearly all) skip the terminal cleaning and its array
            // (the stream noted control bytes while copying the line).
            if !stream.lastLineHasControl { handle(raw, num) } else { for line in TerminalText.clean(raw) { handle(line, num) } }
        }
        if var cur = current {
            if session, !cur.closed, cur.cut == nil {
                cur.cut = (stream.lineNumber, "the capture ends before the next Command: prompt was drawn")
            } else if !session, !cur.closed, cur.cut == nil,
                      let why = SATCut.cutAtEnd(cur, lastLine: stream.lineNumber, unterminated: stream.lastLineUnterminated) {
                cur.cut = (stream.lineNumber, why)  // SATCut.swift: prompt-less captures
            }
            emit(cur); screens += 1
        }
        return screens
    }

    func loc(_ line: Int) -> SourceLocation { SourceLocation(file: file, line: line) }

    private static let assignmentsWord = Array("assignments".utf8)
    private static let buttonWord = Array("button".utf8)
    static let pageWord = Array("Page".utf8)

    /// `SATCommand.parse`, with the pages of one screen parsed once: a line whose text before
    /// its `Page n [of m]` equals the previous page header's is that command at page n.
    static func command(_ line: [UInt8], _ memo: inout CommandMemo, _ first: Int?? = .none) -> SATCommand? {
        // The memo is looked at in place: copying its command for every line cost more than the parse.
        let n = memo.head.count
        if n > 0, line.count > n, line[0] == memo.head[0], line[..<n].elementsEqual(memo.head),
           let (p, t) = pageSuffix(line[n...]), var c = memo.cmd {
            c.page = p; c.pageTotal = t
            return c
        }
        guard mayBeCommand(line, first ?? firstNonBlank(line)), let c = SATCommand.parse(line) else { return nil }
        if c.page != nil, let h = pageHead(line), pageSuffix(line[h...]) != nil { memo = CommandMemo(head: Array(line[..<h]), cmd: c) }
        return c
    }

    /// The last page header's text before `Page`, and its command.
    struct CommandMemo {
        var head: [UInt8] = []
        var cmd: SATCommand? = nil
    }

    private static let verbBytes = SATCommand.verbs.map { Array($0.utf8) }
    private static let commandWord = Array("command".utf8)

    /// False for lines `SATCommand.parse` would refuse anyway, decided without allocating: the
    /// first word is not the start of a verb (titles such as `STATION`), or a form line with a
    /// label and no `Page` word (`Display Language: english`).
    static func mayBeCommand(_ l: [UInt8], _ first: Int?? = .none) -> Bool {
        guard let f = first ?? firstNonBlank(l), Bytes.isLetter(l[f]) else { return false }
        var j = f
        while j < l.count, Bytes.isLetter(l[j]) { j += 1 }
        guard j - f >= 2 else { return false }
        // The first two letters of a verb or of "command" (most form lines stop here).
        switch (Bytes.lower(l[f]), Bytes.lower(l[f + 1])) {
        case (UInt8(ascii: "d"), UInt8(ascii: "i")), (UInt8(ascii: "l"), UInt8(ascii: "i")), (UInt8(ascii: "c"), UInt8(ascii: "h")),
             (UInt8(ascii: "a"), UInt8(ascii: "d")), (UInt8(ascii: "s"), UInt8(ascii: "t")), (UInt8(ascii: "m"), UInt8(ascii: "o")),
             (UInt8(ascii: "r"), UInt8(ascii: "e")), (UInt8(ascii: "d"), UInt8(ascii: "u")), (UInt8(ascii: "c"), UInt8(ascii: "o")):
            break
        default: return false
        }
        if Bytes.equalsLower(l, f..<j, commandWord) { return true }
        let isVerbStart = verbBytes.contains { v in
            v.count >= j - f && zip(v, l[f..<j]).allSatisfy { $0 == Bytes.lower($1) }
        }
        guard isVerbStart else { return false }
        if pageHead(l) == nil, l.contains(UInt8(ascii: ":")) || l.contains(UInt8(ascii: "?")) { return false }
        return true
    }

    /// Start of the last `Page` word of a line (preceded by a blank).
    static func pageHead(_ l: [UInt8]) -> Int? {
        var i = l.count - 4
        while i > 0 {
            if Bytes.isSpace(l[i - 1]), l[i] == 0x50, l[i + 1] == 0x61, l[i + 2] == 0x67, l[i + 3] == 0x65,
               i + 4 == l.count || Bytes.isSpace(l[i + 4]) { return i }
            i -= 1
        }
        return nil
    }

    /// `Page n` or `Page n of m` (digits), then only blanks: (n, m), else nil.
    static func pageSuffix(_ s: ArraySlice<UInt8>) -> (Int, Int?)? {
        guard s.starts(with: pageWord) else { return nil }
        var i = s.startIndex + 4
        let e = s.endIndex
        func blanks() -> Bool { let st = i; while i < e, Bytes.isSpace(s[i]) { i += 1 }; return i > st }
        func number() -> Int? {
            var v = 0, d = 0
            while i < e, Bytes.isDigit(s[i]), d < 9 { v = v * 10 + Int(s[i] - 0x30); i += 1; d += 1 }
            return d > 0 && (i == e || Bytes.isSpace(s[i])) ? v : nil
        }
        guard blanks(), let n = number() else { return nil }
        _ = blanks()
        if i == e { return (n, nil) }
        guard i + 2 <= e, s[i] == UInt8(ascii: "o"), s[i + 1] == UInt8(ascii: "f") else { return nil }
        i += 2
        guard blanks(), let m = number() else { return nil }
        _ = blanks()
        return i == e ? (n, m) : nil
    }

    /// Index of the first non-blank byte of a line, nil for a blank line. The classifiers take
    /// it as an argument (`first`; `.none`: find it) so that it is found once per line.
    @inline(__always)
    static func firstNonBlank(_ l: [UInt8]) -> Int? {
        var i = 0
        let n = l.count
        while i < n, Bytes.isSpace(l[i]) { i += 1 }
        return i < n ? i : nil
    }

    // Line classifiers run on every line of a capture: they compare bytes and allocate nothing
    // (building a lower-cased String per line and test dominated the read of large sites).
    private static let noisePrefixes: [[UInt8]] = ["press cancel to quit", "command successfully completed", "voice system name:"]
        .map { Array($0.utf8) }
    private static let commandColon = Array("command:".utf8)

    private func isNoise(_ l: [UInt8], _ first: Int?) -> Bool {
        guard let f = first else { return true }
        // The prefixes start with p, c or v: other lines skip the three comparisons.
        switch Bytes.lower(l[f]) {
        case UInt8(ascii: "p"), UInt8(ascii: "c"), UInt8(ascii: "v"):
            for p in SATReader.noisePrefixes where Bytes.keyHasPrefix(l[f...], p) { return true }
        default: break
        }
        // A line that is only an HTML tag (ASA HTML reports).
        guard l[f] == UInt8(ascii: "<"), let e = l.lastIndex(where: { !Bytes.isSpace($0) }) else { return false }
        return l[e] == UInt8(ascii: ">")
    }

    /// The row-24 prompt (`Command:` alone or with what was typed).
    static func isPrompt(_ l: [UInt8], _ first: Int?? = .none) -> Bool {
        guard let f = first ?? firstNonBlank(l), l.count - f >= 8 else { return false }
        for k in 0..<8 where Bytes.lower(l[f + k]) != commandColon[k] { return false }
        return true
    }

    /// Lines that say the terminal session ended (ssh, telnet, PuTTY), or nil.
    static func sessionEnd(_ l: [UInt8], _ first: Int?? = .none) -> String? {
        // Only lines starting with one of the phrases are looked at closely.
        guard let f = first ?? firstNonBlank(l) else { return nil }
        switch Bytes.lower(l[f]) {
        case UInt8(ascii: "c"), UInt8(ascii: "s"), UInt8(ascii: "n"), UInt8(ascii: "w"), UInt8(ascii: "p"),
             UInt8(ascii: "r"), UInt8(ascii: "l"): break
        default: return nil
        }
        for (e, eb) in zip(sessionEnds, sessionEndBytes) where Bytes.keyHasPrefix(l[f...], eb) {
            let t = Bytes.key(l[...])
            guard t.count < 120 else { return nil }
            // "Connection to 10.0.0.5 closed." / "… closed by remote host."
            if e == "connection to ", !t.contains("closed") { continue }
            return Bytes.collapsed(l)
        }
        return nil
    }

    private static let sessionEnds = [
        "connection closed", "connection to ", "connection reset", "server unexpectedly closed", "network error:",
        "client_loop: send disconnect", "write failed: broken pipe", "session closed", "packet_write_wait:",
        "connection timed out", "remote side unexpectedly closed", "logged out", "proceed with logoff",
    ]
    private static let sessionEndBytes = sessionEnds.map { Array($0.utf8) }

    /// Lines that are not part of any CM screen: shell prompts and commands, `list trace`
    /// output pasted after a screen (time-stamped rows and its `time data` header).
    static func isForeign(_ l: [UInt8], _ first: Int?? = .none) -> Bool {
        // Byte-level: this runs on every line. Words are runs of non-blanks, as in the
        // blank-collapsed text.
        guard let f0 = first ?? firstNonBlank(l), let w0 = Bytes.nextWord(l, from: f0) else { return false }
        let f = w0.lowerBound, c0 = l[f]
        // `list trace` pasted without its command line: its title and "time [vec prt st] data" header.
        if Bytes.keyHasPrefix(l[f...], SATReader.listTrace) { return true }
        if Bytes.equalsLower(l, w0, SATReader.timeWord) {
            var words = 1, last = w0, i = w0.upperBound
            while let r = Bytes.nextWord(l, from: i) { words += 1; last = r; i = r.upperBound; if words > 5 { break } }
            if words >= 2, words <= 5, Bytes.equalsLower(l, last, SATReader.dataWord) { return true }
        }
        // hh:mm:ss at the start: a trace or log row, never a form line (labels come first).
        if f + 8 <= l.count, Bytes.isDigit(l[f]), Bytes.isDigit(l[f + 1]), l[f + 2] == UInt8(ascii: ":"), Bytes.isDigit(l[f + 3]),
           Bytes.isDigit(l[f + 4]), l[f + 5] == UInt8(ascii: ":"), Bytes.isDigit(l[f + 6]), Bytes.isDigit(l[f + 7]) { return true }
        // Shell: "$ ls", "# sat", "bash-4.2$", "admin@cm1:~>", "[root@cm ~]#" — prompts start the line
        // (an indented "#" is a dialed string in a table).
        if f == 0, c0 == UInt8(ascii: "$") || c0 == UInt8(ascii: "#") || c0 == UInt8(ascii: ">"),
           l.count == 1 || Bytes.isSpace(l[1]) { return true }
        if l[f...].starts(with: SATReader.bashDash) || l[f...].starts(with: SATReader.shDash) { return true }
        if l[w0].contains(UInt8(ascii: "@")) {
            let last = l[w0.upperBound - 1]
            if last == UInt8(ascii: "$") || last == UInt8(ascii: "#") || last == UInt8(ascii: ">") || last == UInt8(ascii: ":")
                || last == UInt8(ascii: "]") { return true }
            var i = w0.lowerBound
            while i + 1 < w0.upperBound { if l[i] == UInt8(ascii: ":"), l[i + 1] == UInt8(ascii: "~") { return true }; i += 1 }
        }
        if c0 == UInt8(ascii: "["), let close = l[f...].firstIndex(of: UInt8(ascii: "]")), l[f..<close].contains(UInt8(ascii: "@")) {
            return true
        }
        return false
    }

    private static let listTrace = Array("list trace".utf8)
    private static let timeWord = Array("time".utf8)
    private static let dataWord = Array("data".utf8)
    private static let bashDash = Array("bash-".utf8)
    private static let shDash = Array("sh-".utf8)

    /// CM's answer on the message line (row 23) when a command cannot show an object: the
    /// screen is not drawn and nothing is an object. Texts from research §1.1 (CM manuals, pbxd).
    static func cmMessage(_ l: [UInt8]) -> Bool {
        let t = Bytes.key(l[...])
        guard !t.isEmpty, t.count < 100, !t.contains(":") else { return false }
        let phrases = ["not assigned", "assigned to a different object", "invalid entry", "please press help",
                       "does not exist", "not administered", "object not found", "is invalid", "invalid identifier",
                       "identifier invalid", "extension invalid", "command not valid", "no such object"]
        return phrases.contains { t.contains($0) } || (t.hasSuffix(" invalid") && t.split(separator: " ").count <= 4)
    }

    // MARK: dispatch

    private func flush(_ s: SATScreen) {
        let at = loc(s.commandLine)
        let cmd = s.command
        if let n = s.noise {
            out.emit(.note("sat.noise",
                "ignored \(n.count) line(s) after '\(cmd.display)' (prompt, shell or pasted output): not part of the screen",
                at: loc(n.line), hint: nil))
        }
        // A page drawn completely is normal even when the operator did not page further
        // (`Page 1 of 6`): fields on pages not shown are simply absent, so no warning.
        guard let obj = cmd.object, ["display", "list", "change", "add"].contains(cmd.verb) else {
            out.emit(.note("sat.unknown-screen",
                "skipped screen '\(cmd.verb) \(cmd.objectText)': not a screen the model uses", at: at,
                hint: "remove it from the capture, or ask for support of this screen"))
            return
        }
        if cmd.page == nil, let m = s.lines.first(where: { SATReader.cmMessage($0.bytes) }) {
            // Answered on the message line, no form drawn: no object exists behind it.
            out.emit(.note("sat.cm-error",
                "'\(cmd.display)' was answered by CM with \"\(Bytes.collapsed(m.bytes))\"; no object read",
                at: loc(m.num), hint: "nothing to do unless the object should exist"))
            return
        }
        if let c = s.cut {
            out.reject(obj.kind, key: cmd.qualifier.isEmpty ? nil : cmd.qualifier, at: loc(c.line),
                reason: "'\(cmd.display)' (from line \(s.commandLine)) was cut inside page \(s.pagesSeen.last ?? 1): \(c.why); nothing of it was read",
                code: "sat.cut", hint: "re-capture the screen in one session")
            return
        }
        if let first = s.pagesSeen.first, first > 1 {
            out.emit(.warning("sat.missing-pages",
                "\(cmd.display): capture starts at page \(first); earlier pages are missing",
                at: at, hint: "re-capture the command from page 1"))
        }
        let isList = cmd.verb == "list"
        if !s.lines.contains(where: { !$0.bytes.allSatisfy(Bytes.isSpace) }) {
            // Only the command echo survived: nothing to build a record from.
            if isList {
                out.emit(.note("sat.empty-list", "'\(cmd.display)' listed nothing", at: at))
            } else {
                out.reject(obj.kind, key: cmd.qualifier.isEmpty ? nil : cmd.qualifier, at: at,
                    reason: "'\(cmd.display)' has no screen content (capture cut after the command line?)",
                    code: "sat.empty-screen", hint: "re-capture the screen")
            }
            return
        }
        switch (obj, isList) {
        case (.station, false): parseStation(s)
        case (.station, true): parseListStation(s)
        case (.agent, false): parseAgent(s)
        case (.agent, true): parseListAgent(s)
        case (.huntGroup, false): parseHuntGroup(s)
        case (.huntGroup, true): parseListHuntGroup(s)
        case (.vector, false): parseVector(s)
        case (.vector, true): parseListVector(s)
        case (.vdn, false): parseVDN(s)
        case (.coveragePath, false): parseCoveragePath(s)
        case (.cor, false): parseCOR(s)
        case (.cos, _): parseCOS(s)
        case (.reasonCodes, _): parseReasonCodes(s)
        case (.holidayTable, false): parseHoliday(s)
        case (.announcement, false): parseAnnouncement(s)
        case (.announcement, true): parseListAnnouncement(s)
        case (.publicNumbering, _): parsePublicNumbering(s)
        case (.dialPlan, _): parseDialPlan(s)
        case (.pickupGroup, false): parsePickupGroup(s)
        case (.tenant, false): parseTenant(s)
        default:
            out.emit(.note("sat.unknown-screen",
                "skipped '\(cmd.verb) \(cmd.objectText)': this list form is not read; capture the display form instead",
                at: at, hint: "use 'display \(cmd.objectText) <n>' for each object"))
        }
    }

    private func finish<R: SourceRecord>(_ r: Result<R, BuildFailure>, _ f: Fields, _ s: SATScreen, summary: Bool = false) {
        let at = loc(s.commandLine)
        switch r {
        case .success(let rec):
            for issue in f.issues {
                out.emit(.warning("sat.bad-value", "\(R.kind.rawValue) \(rec.key): \(issue)", at: at,
                    hint: "check the capture; the raw value is kept in extra"))
            }
            out.add(rec, at: at, format: .sat, summary: summary)
        case .failure(let why):
            out.reject(R.kind, key: nil, at: at,
                reason: "\(s.command.display): \(why)",
                code: "sat.no-key", hint: "the capture is truncated or not a \(R.kind.rawValue) screen; re-capture it")
        }
    }

    /// A header line of a list: no digit starts it and it names one of `words`.
    static func headerLike(_ b: [UInt8], _ words: [String]) -> Bool {
        guard let f = b.firstIndex(where: { !Bytes.isSpace($0) }), !Bytes.isDigit(b[f]) else { return false }
        let k = Bytes.key(b[...])
        // Titles ("ANNOUNCEMENTS/AUDIO SOURCES") are all capitals; column headers are not.
        return !k.contains(":") && Bytes.collapsed(b) != k.uppercased() && words.contains { k.contains($0) }
    }

    // MARK: label/value scanning

    /// Scans a form line for `Label: value` and `Label? y` pairs. Known labels come from `dict`
    /// (lower-cased, blank-collapsed, `*` dropped) and are found even in whitespace-collapsed
    /// captures; unknown labels are recognised only after a two-blank gap, and go to `extra`.
    static func scan(_ s: [UInt8], _ dict: LabelTable, maxWords: Int = 8,
                     into f: inout Fields) -> Bool {
        let n = s.count
        var found = false
        var lowerBound = 0
        // The label text is built only when it is kept (unknown and untyped labels go to `extra`).
        // `entry`: index in `dict.entries`, nil for an unknown label.
        var pending: (entry: Int?, label: Range<Int>, valueStart: Int)? = nil
        var i = 0
        func close(_ end: Int) {
            guard let p = pending else { return }
            let v = p.valueStart < end ? Bytes.collapsed(s[p.valueStart..<end]) : ""
            // "x." keys are labels we know (so collapsed captures split correctly) but do not type.
            if let e = p.entry, dict.entries[e].typed { f.set(dict.entries[e].value, v) } else { f.addExtra(Bytes.collapsed(s[p.label]), v) }
        }
        while i < n {
            // Skip to the next `:` or `?` in one tight loop (most bytes are neither).
            i = s.withUnsafeBufferPointer { p in
                var j = i
                while j < n, p[j] != UInt8(ascii: ":"), p[j] != UInt8(ascii: "?") { j += 1 }
                return j
            }
            if i == n { break }
            let b = s[i]
            guard (b == UInt8(ascii: ":") || b == UInt8(ascii: "?")), i > lowerBound, !Bytes.isSpace(s[i - 1]) else {
                i += 1; continue
            }
            var labelEnd = i
            while labelEnd > lowerBound, s[labelEnd - 1] == UInt8(ascii: "*") { labelEnd -= 1 }
            // The segment after the last run of two or more blanks. In spaced captures a label is
            // exactly such a segment (so "Check skill TNs to match agent TN?" is one unknown label,
            // not "TN"); only in collapsed text do we search for known labels inside it.
            var segStart = lowerBound
            var gap = false
            var k = labelEnd - 1
            while k > lowerBound {
                if Bytes.isSpace(s[k]) && Bytes.isSpace(s[k - 1]) { segStart = k + 1; gap = true; break }
                k -= 1
            }
            while segStart < labelEnd, Bytes.isSpace(s[segStart]) { segStart += 1 }
            var hit: (start: Int, entry: Int?)? = nil
            if gap || lowerBound == 0 {
                if segStart < labelEnd {
                    if let e = dict.index(s[segStart..<labelEnd]) {
                        hit = (segStart, e)
                    } else if Bytes.isLetter(s[segStart]) || s[segStart] == UInt8(ascii: "("),
                              Bytes.count(0x20, in: s[segStart..<labelEnd], below: 10) {
                        hit = (segStart, nil)
                    }
                }
            } else {
                // Collapsed: the longest known label ending at the terminator, within maxWords words.
                var starts: [Int] = []
                var j = labelEnd - 1
                while j >= lowerBound, starts.count < maxWords {
                    if !Bytes.isSpace(s[j]), j == lowerBound || Bytes.isSpace(s[j - 1]) { starts.append(j) }
                    j -= 1
                }
                for st in starts.reversed() where st < labelEnd {
                    if let e = dict.index(s[st..<labelEnd]) { hit = (st, e); break }
                }
            }
            if let h = hit {
                close(h.start)
                pending = (h.entry, h.start..<labelEnd, i + 1)
                lowerBound = i + 1
                found = true
            }
            i += 1
        }
        close(n)
        return found
    }

    /// Label/value lines of a whole screen (lines claimed by grid parsers are skipped by callers).
    func scanLines(_ lines: ArraySlice<(num: Int, bytes: [UInt8])>, _ dict: LabelTable, into f: inout Fields) {
        var orphan = 0
        for l in lines {
            if !SATReader.scan(l.bytes, dict, into: &f) {
                // Keep unlabelled text that is not a title (all caps) so nothing is silently lost.
                let t = Bytes.collapsed(l.bytes)
                if !t.isEmpty, t.uppercased() != t {
                    orphan += 1
                    f.extra["text.\(orphan)"] = t
                }
            }
        }
    }

    // MARK: numbered entries ("1: 3001 Smith, John   14: ...")

    /// Splits a grid line into numbered entries: `N:` preceded by the line start or a blank.
    static func entries(_ s: [UInt8], maxDigits: Int = 3) -> [(number: Int, start: Int, text: ArraySlice<UInt8>)] {
        var marks: [(Int, Int, Int)] = []  // (number, markStart, textStart)
        let n = s.count
        var i = 0
        while i < n {
            if Bytes.isDigit(s[i]), i == 0 || Bytes.isSpace(s[i - 1]) {
                var j = i, v = 0
                while j < n, Bytes.isDigit(s[j]), j - i < maxDigits + 1 { v = v * 10 + Int(s[j] - 0x30); j += 1 }
                if j < n, s[j] == UInt8(ascii: ":"), j - i <= maxDigits, j + 1 == n || Bytes.isSpace(s[j + 1]) {
                    marks.append((v, i, j + 1)); i = j + 1; continue
                }
                i = j; continue
            }
            i += 1
        }
        var out: [(Int, Int, ArraySlice<UInt8>)] = []
        for (k, m) in marks.enumerated() {
            let end = k + 1 < marks.count ? marks[k + 1].1 : n
            out.append((m.0, m.1, s[m.2..<end]))
        }
        return out
    }

    // MARK: station

    static let stationLabels: LabelTable = [
        "extension": "extension", "type": "setType", "port": "port", "name": "name", "cor": "cor", "cos": "cos",
        "tn": "tenant", "coverage path 1": "coveragePath1", "coverage path 2": "coveragePath2",
        "hunt-to station": "huntToStation", "security code": "securityCode", "ec500 state": "ec500State",
        "lock messages": "x.", "bcc": "x.", "tests": "x.", "loss group": "x.", "personalized ringing pattern": "x.",
        "message lamp ext": "x.", "speakerphone": "x.", "mute button enabled": "x.", "display language": "x.",
        "button modules": "x.", "ip softphone": "x.", "lwc reception": "x.", "auto answer": "x.",
        "auto select any idle appearance": "x.", "room": "x.", "headset": "x.",
    ]

    private func parseStation(_ s: SATScreen) {
        var f = Fields(values: 12, extra: 12)  // the station form: 12 typed labels, 12 untyped
        var buttons: [Button] = []
        var module: Int? = nil
        var formLines: [(num: Int, bytes: [UInt8])] = []
        for l in s.lines {
            // Byte checks first: the key (a String) is built only for the rare lines they pass.
            if Bytes.keyHasSuffix(l.bytes, SATReader.assignmentsWord) {
                let key = Bytes.key(l.bytes[...])
                if Bytes.contains(key, SATReader.buttonWord) {
                    if key.hasPrefix("button module #"), let d = key.dropFirst(15).first, let m = Int(String(d)) { module = m }
                    else if key.hasPrefix("expansion module") { module = 1 }
                    else { module = 0 }
                    continue
                }
            }
            // A heading is in capitals: a line with a lower-case ASCII letter is not one.
            if module != nil, !l.bytes.contains(where: { $0 >= 0x61 && $0 <= 0x7A }) {
                let key = Bytes.key(l.bytes[...])
                if key.uppercased() == Bytes.collapsed(l.bytes), !key.isEmpty, !key.utf8.contains(UInt8(ascii: ":")) {
                    module = nil  // another section heading
                }
            }
            if let m = module {
                for e in SATReader.entries(l.bytes, maxDigits: 2) {
                    if let b = SATReader.button(number: e.number, module: m, text: e.text) { buttons.append(b) }
                }
                continue
            }
            formLines.append(l)
        }
        scanLines(formLines[...], SATReader.stationLabels, into: &f)
        if f.values["extension"] == nil, !s.command.qualifier.isEmpty { f.set("extension", s.command.qualifier) }
        finish(RecordBuild.station(&f, buttons: buttons), f, s)
    }

    /// `brdg-appr B:1 E:3002`, `autodial Number: 918005551212`, `aux-work RC: 1 Group: 1`.
    static func button(number: Int, module: Int, text: ArraySlice<UInt8>) -> Button? {
        // Most slots of a station's grid are empty ("17: "): no copy for them.
        guard text.contains(where: { !Bytes.isSpace($0) }) else { return nil }
        let t = Array(text)
        let toks = Bytes.tokens(t)
        guard let first = toks.first else { return nil }
        let type = Bytes.string(t, first).lowercased()
        var params: [String: String] = [:]
        var k = 1
        var positional = 0
        while k < toks.count {
            let tok = Bytes.string(t, toks[k])
            if let c = tok.firstIndex(of: ":") {
                let label = String(tok[..<c])
                var value = String(tok[tok.index(after: c)...])
                if value.isEmpty, k + 1 < toks.count, !t[toks[k + 1]].contains(UInt8(ascii: ":")) {
                    value = Bytes.string(t, toks[k + 1]); k += 1
                }
                let name = ButtonLayout.satParamName(label)
                if !value.isEmpty { params[name] = name == "extension" ? value.normalizedExtension : value }
            } else {
                positional += 1
                params["arg\(positional)"] = tok
            }
            k += 1
        }
        return Button(number: number, module: module, type: type, parameters: params)
    }

    private func parseListStation(_ s: SATScreen) {
        // Two lines per station (RECONSTRUCTED layout): line 1 has the extension, port and name;
        // line 2 has the set type under `Port/Type` and nothing under `Ext/Hunt-to` column 0.
        // Both lines are cut by the header's columns (the dashes line when there is one, else the
        // first header line's segments), so a full column one blank before the next and a
        // reordered header read right; only lists without any header split on blanks.
        let lines = s.lines
        if let (layout, body) = ListLayout.find(lines, isHeader: { SATReader.headerLike($0, ["ext/hunt-to", "port/type"]) }),
           let ec = layout.column("ext"), let pc = layout.column("port") {
            let nc = layout.column("name")
            var i = body
            while i < lines.count {
                let cells = layout.cells(lines[i].bytes)
                guard ec < cells.count, let ext = cells[ec].split(separator: " ").first.map(String.init),
                      ext.normalizedExtension.utf8.allSatisfy(Bytes.isDigit) else { i += 1; continue }
                var f = Fields()
                f.set("extension", ext)
                if pc < cells.count { f.set("port", cells[pc]) }
                if let c = nc, c < cells.count { f.set("name", cells[c]) }
                if i + 1 < lines.count {
                    let c2 = layout.cells(lines[i + 1].bytes)
                    // Line 2: empty under the extension, the set type under Port/Type.
                    if ec < c2.count, c2[ec].isEmpty, pc < c2.count, !c2[pc].isEmpty {
                        f.set("setType", c2[pc]); i += 1
                    }
                }
                var at = s
                at.commandLine = lines[i].num
                finish(RecordBuild.station(&f, buttons: []), f, at, summary: true)
                i += 1
            }
            return
        }
        var i = 0
        while i < lines.count {
            let l = lines[i].bytes
            let segs = Bytes.segments(l)
            guard let first = segs.first, first.lowerBound == 0 else { i += 1; continue }
            let ext = Bytes.string(l, first).split(separator: " ").first.map(String.init) ?? ""
            guard ext.normalizedExtension.utf8.allSatisfy(Bytes.isDigit), !ext.isEmpty else { i += 1; continue }
            var f = Fields()
            f.set("extension", ext)
            if segs.count > 1 { f.set("port", Bytes.string(l, segs[1])) }
            if segs.count > 2 { f.set("name", Bytes.string(l, segs[2])) }
            if i + 1 < lines.count {
                let l2 = lines[i + 1].bytes
                let s2 = Bytes.segments(l2)
                if let t = s2.first, t.lowerBound > 0 {
                    f.set("setType", Bytes.string(l2, t)); i += 1
                }
            }
            var at = s
            at.commandLine = lines[i].num
            finish(RecordBuild.station(&f, buttons: []), f, at, summary: true)
            i += 1
        }
    }

    // MARK: agent

    static let agentLabels: LabelTable = [
        "login id": "loginId", "name": "name", "tn": "tenant", "cor": "cor", "coverage path": "coveragePath",
        "security code": "securityCode", "direct agent skill": "directAgentSkill",
        "call handling preference": "callHandlingPreference",
        "aas": "x.", "audix": "x.", "check skill tns to match agent tn": "x.", "lwc reception": "x.",
        "lwc log external calls": "x.", "audix name for messaging": "x.", "auto answer": "x.",
        "service objective": "x.", "local call preference": "x.",
    ]

    private func parseAgent(_ s: SATScreen) {
        var f = Fields()
        var skills: [AgentSkill] = []
        var header: [(name: String, col: Int)]? = nil
        var formLines: [(num: Int, bytes: [UInt8])] = []
        for l in s.lines {
            let toks = Bytes.tokens(l.bytes)
            let words = toks.map { Bytes.string(l.bytes, $0) }
            if words.contains("SN"), words.allSatisfy({ ["SN", "RL", "SL", "PA"].contains($0) }) {
                header = zip(words, toks).map { ($0, $1.lowerBound) }
                continue
            }
            if let h = header {
                for e in SATReader.entries(l.bytes) {
                    if let sk = SATReader.skill(e.text, offset: e.text.startIndex, header: h) { skills.append(sk) }
                }
                continue
            }
            formLines.append(l)
        }
        scanLines(formLines[...], SATReader.agentLabels, into: &f)
        if f.values["loginId"] == nil, !s.command.qualifier.isEmpty { f.set("loginId", s.command.qualifier) }
        finish(RecordBuild.agent(&f, skills: skills), f, s)
    }

    /// One skill entry; blanks in RL/SL/PA are resolved by the header column nearest each value.
    static func skill(_ text: ArraySlice<UInt8>, offset: Int, header: [(name: String, col: Int)]) -> AgentSkill? {
        let line = Array(text)
        let toks = Bytes.tokens(line)
        guard let first = toks.first, let sn = Int(Bytes.string(line, first)) else { return nil }
        var sk = AgentSkill(skill: sn)
        // The group of header columns this entry belongs to: the last SN at or before the value.
        let snCol = offset + first.lowerBound
        let groupStart = header.lastIndex(where: { $0.name == "SN" && $0.col <= snCol + 2 }) ?? 0
        var group: [(name: String, col: Int)] = []
        for h in header[groupStart...] {
            if h.name == "SN", !group.isEmpty { break }
            group.append(h)
        }
        for t in toks.dropFirst() {
            guard let v = Int(Bytes.string(line, t)) else { continue }
            let col = offset + t.lowerBound
            let name = group.filter { $0.name != "SN" }
                .min(by: { abs($0.col - col) < abs($1.col - col) })?.name ?? "SL"
            switch name {
            case "RL": sk.reserveLevel = v
            case "PA": sk.percentAllocation = v
            default: sk.level = v
            }
        }
        return sk
    }

    private func parseListAgent(_ s: SATScreen) {
        // RECONSTRUCTED: line 1 = login id, name (until a two-blank gap), …; only id and name are taken.
        if let (layout, body) = ListLayout.find(s.lines, isHeader: { SATReader.headerLike($0, ["login id", "name"]) }),
           let ic = layout.column("login"), let nc = layout.column("name") {
            for l in s.lines[body...] {
                let cells = layout.cells(l.bytes)
                guard ic < cells.count, !cells[ic].isEmpty, cells[ic].normalizedExtension.utf8.allSatisfy(Bytes.isDigit) else { continue }
                var f = Fields()
                f.set("loginId", cells[ic]); if nc < cells.count { f.set("name", cells[nc]) }
                var at = s; at.commandLine = l.num
                finish(RecordBuild.agent(&f, skills: []), f, at, summary: true)
            }
            return
        }
        for l in s.lines {
            let segs = Bytes.segments(l.bytes)
            guard segs.count >= 2, let first = segs.first, first.lowerBound == 0 else { continue }
            let id = Bytes.string(l.bytes, first)
            guard id.normalizedExtension.utf8.allSatisfy(Bytes.isDigit) else { continue }
            var f = Fields()
            f.set("loginId", id); f.set("name", Bytes.string(l.bytes, segs[1]))
            var at = s; at.commandLine = l.num
            finish(RecordBuild.agent(&f, skills: []), f, at, summary: true)
        }
    }

    // MARK: hunt group

    static let huntLabels: LabelTable = [
        "group number": "number", "group name": "name", "group extension": "extension", "group type": "groupType",
        "acd": "acd", "queue": "queue", "vector": "vector", "skill": "skill", "tn": "tenant", "cor": "cor",
        "coverage path": "coveragePath", "night service destination": "nightServiceDestination",
        "queue limit": "queueLimit", "calls warning threshold": "callsWarningThreshold",
        "time warning threshold": "timeWarningThreshold",
        // Known but untyped (kept in extra); listed so whitespace-collapsed captures split on them.
        "port": "x.", "aas": "x.", "measured": "x.", "mm early answer": "x.", "security code": "x.",
        "expected call handling time (sec)": "x.", "service level target (% in sec)": "x.",
        "member range allowed": "x.", "administered members (min/max)": "x.", "total administered members": "x.",
        "local agent preference": "x.", "isdn/sip caller display": "x.", "supervisor extension": "x.",
        "controlling adjunct": "x.", "multiple call handling": "x.", "message center": "x.", "lwc reception": "x.",
        "audix name": "x.", "messaging server name": "x.", "redirect on no answer (rings)": "x.",
        "redirect to vdn": "x.", "vustats objective": "x.", "dynamic queue position": "x.",
    ]

    private func parseHuntGroup(_ s: SATScreen) {
        var f = Fields()
        var members: [(Int, String)] = []
        var inMembers = false
        var formLines: [(num: Int, bytes: [UInt8])] = []
        for l in s.lines {
            let key = Bytes.key(l.bytes[...])
            if key.contains("group member assignments") { inMembers = true; continue }
            if inMembers {
                let es = SATReader.entries(l.bytes)
                if es.isEmpty {
                    // Column headers ("Ext Name …") carry no entries; a labelled line ends the grid.
                    if key.contains(":") { inMembers = false; formLines.append(l) }
                    continue
                }
                for e in es {
                    let t = Array(e.text)
                    if let tok = Bytes.tokens(t).first {
                        let ext = Bytes.string(t, tok)
                        if ext.normalizedExtension.utf8.allSatisfy(Bytes.isDigit) { members.append((e.number, ext.normalizedExtension)) }
                    }
                }
                continue
            }
            formLines.append(l)
        }
        scanLines(formLines[...], SATReader.huntLabels, into: &f)
        if f.values["number"] == nil, !s.command.qualifier.isEmpty { f.set("number", s.command.qualifier) }
        let ordered = members.sorted { $0.0 < $1.0 }.map(\.1)
        finish(RecordBuild.huntGroup(&f, members: ordered), f, s)
    }

    private func parseListHuntGroup(_ s: SATScreen) {
        // RECONSTRUCTED two-line rows (research §1.4): line 1 "1    Sales", line 2
        // "     3001         ead-mia          y/B ...". Line 1 is cut by the columns of the header
        // line that names `Name` (`No.  Name/  …`); line 2 by the dashes line when there is one,
        // else by the last header line (`Ext  Grp Type  MEAS …`). Which column is which comes
        // from the header text, so a reordered header reads the same; a header with `Ext` and
        // `Name` on one line gives one-line rows. Only lists without a header split on blanks.
        let lines = s.lines
        let isHeader: ([UInt8]) -> Bool = { SATReader.headerLike($0, ["grp", "name", "ext"]) }
        let firstRow = lines.firstIndex { l in l.bytes.first.map(Bytes.isDigit) == true } ?? lines.count
        let dashes = lines[..<firstRow].firstIndex { ListLayout.isDashes($0.bytes) }
        let headers = Array(lines[..<(dashes ?? firstRow)].filter { isHeader($0.bytes) }.suffix(3).map(\.bytes))
        if let nameLine = headers.last(where: { Bytes.key($0[...]).contains("name") }),
           let line2 = dashes.flatMap({ ListLayout(dashes: lines[$0].bytes, header: headers) })
                ?? headers.last.flatMap({ ListLayout(header: [$0]) }) {
            // One-line rows when the header line naming `Name` is the last one and also names
            // `Ext` in a column of its own; else line 1 holds only number and name.
            let oneLine = nameLine == headers.last && line2.column("ext") != nil && line2.column("ext") != line2.column("name")
            let line1: ListLayout? = oneLine ? line2 : ListLayout.numberAndName(nameLine)
            guard let l1 = line1, let nc = l1.column("name") else { return parseListHuntGroupByBlanks(s) }
            let numc = l1.column("no") ?? 0
            var i = dashes.map { $0 + 1 } ?? firstRow
            while i < lines.count {
                let c1 = l1.cells(lines[i].bytes)
                guard lines[i].bytes.first.map(Bytes.isDigit) == true, numc < c1.count, let num = Int(c1[numc]) else { i += 1; continue }
                var f = Fields()
                f.set("number", String(num))
                if nc < c1.count { f.set("name", c1[nc]) }
                var row2: [String]? = oneLine ? c1 : nil
                if !oneLine, i + 1 < lines.count, let b = lines[i + 1].bytes.first, Bytes.isSpace(b),
                   !Bytes.tokens(lines[i + 1].bytes).isEmpty {
                    row2 = line2.cells(lines[i + 1].bytes); i += 1
                }
                if let r = row2 {
                    if let c = line2.column("ext"), c < r.count { f.set("extension", r[c]) }
                    if let c = line2.column("typ"), c < r.count { f.set("groupType", r[c]) }
                    if let c = line2.column("acd", "meas"), c < r.count, !r[c].isEmpty { f.set("acd", String(r[c].prefix(1))) }
                }
                var at = s; at.commandLine = lines[i].num
                finish(RecordBuild.huntGroup(&f, members: []), f, at, summary: true)
                i += 1
            }
            return
        }
        parseListHuntGroupByBlanks(s)
    }

    /// `list hunt-group` without any header: the older whitespace rules.
    private func parseListHuntGroupByBlanks(_ s: SATScreen) {
        let lines = s.lines
        var i = 0
        while i < lines.count {
            let l = lines[i].bytes
            let segs = Bytes.segments(l)
            guard let first = segs.first, first.lowerBound == 0, let num = Int(Bytes.string(l, first)) else { i += 1; continue }
            var f = Fields()
            f.set("number", String(num))
            if segs.count > 1 { f.set("name", Bytes.string(l, segs[1])) }
            if i + 1 < lines.count {
                let l2 = lines[i + 1].bytes
                let t2 = Bytes.tokens(l2)
                if let e = t2.first, e.lowerBound > 0 {
                    f.set("extension", Bytes.string(l2, e))
                    if t2.count > 1 { f.set("groupType", Bytes.string(l2, t2[1])) }
                    if t2.count > 2 { let am = Bytes.string(l2, t2[2]); f.set("acd", String(am.prefix(1))) }
                    i += 1
                }
            }
            var at = s; at.commandLine = lines[i].num
            finish(RecordBuild.huntGroup(&f, members: []), f, at, summary: true)
            i += 1
        }
    }

    // MARK: vector

    static let vectorLabels: LabelTable = [
        "number": "number", "name": "name", "multimedia": "x.", "attendant vectoring": "x.", "meet-me conf": "x.",
        "lock": "x.", "basic": "x.", "eas": "x.", "g3v4 enhanced": "x.", "ani/ii-digits": "x.", "asai routing": "x.",
        "prompting": "x.", "lai": "x.", "g3v4 adv route": "x.", "cinfo": "x.", "bsr": "x.", "holidays": "x.",
        "variables": "x.", "3.0 enhanced": "x.",
    ]

    private func parseVector(_ s: SATScreen) {
        var f = Fields()
        var steps: [(Int, String)] = []
        var formLines: [(num: Int, bytes: [UInt8])] = []
        for l in s.lines {
            let b = l.bytes
            var i = 0
            while i < b.count, Bytes.isSpace(b[i]) { i += 1 }
            // Steps are "NN command …" with a two-digit number; blank "NN" is an unused step.
            if i + 1 < b.count, Bytes.isDigit(b[i]), Bytes.isDigit(b[i + 1]), i + 2 == b.count || Bytes.isSpace(b[i + 2]) {
                let n = Int(b[i] - 0x30) * 10 + Int(b[i + 1] - 0x30)
                let text = Bytes.collapsed(b[(i + 2)...])
                if !text.isEmpty { steps.append((n, text)) }
                continue
            }
            formLines.append(l)
        }
        scanLines(formLines[...], SATReader.vectorLabels, into: &f)
        if f.values["number"] == nil, !s.command.qualifier.isEmpty { f.set("number", s.command.qualifier) }
        finish(RecordBuild.vector(&f, steps: steps), f, s)
    }

    private func parseListVector(_ s: SATScreen) {
        if let (layout, body) = ListLayout.find(s.lines, isHeader: { SATReader.headerLike($0, ["number", "name"]) }),
           let numc = layout.column("num"), let nc = layout.column("name") {
            for l in s.lines[body...] {
                let cells = layout.cells(l.bytes)
                guard numc < cells.count, let num = Int(cells[numc]) else { continue }
                var f = Fields()
                f.set("number", String(num)); if nc < cells.count { f.set("name", cells[nc]) }
                var at = s; at.commandLine = l.num
                finish(RecordBuild.vector(&f, steps: []), f, at, summary: true)
            }
            return
        }
        for l in s.lines {
            let segs = Bytes.segments(l.bytes)
            guard segs.count >= 2, let first = segs.first, let num = Int(Bytes.string(l.bytes, first)) else { continue }
            var f = Fields()
            f.set("number", String(num)); f.set("name", Bytes.string(l.bytes, segs[1]))
            var at = s; at.commandLine = l.num
            finish(RecordBuild.vector(&f, steps: []), f, at, summary: true)
        }
    }

    // MARK: VDN

    static let vdnLabels: LabelTable = [
        "extension": "extension", "name": "name", "destination": "destination", "cor": "cor", "tn": "tenant",
        "1st skill": "skill1", "2nd skill": "skill2", "3rd skill": "skill3",
        "attendant vectoring": "x.", "meet-me conferencing": "x.", "allow vdn override": "x.", "measured": "x.",
        "report adjunct calls as acd": "x.", "vdn of origin annc. extension": "x.",
    ]

    private func parseVDN(_ s: SATScreen) {
        var f = Fields()
        scanLines(s.lines[...], SATReader.vdnLabels, into: &f)
        if f.values["extension"] == nil, !s.command.qualifier.isEmpty { f.set("extension", s.command.qualifier) }
        finish(RecordBuild.vdn(&f), f, s)
    }

    // MARK: coverage path

    static let coverageLabels: LabelTable = [
        "coverage path number": "number", "next path number": "nextPath", "hunt after coverage": "huntAfterCoverage",
        "linkage": "x.", "cvg enabled for vdn route-to party": "x.",
    ]
    static let criteria: [String: String] = [
        "active": "Active", "busy": "Busy", "don't answer": "DontAnswer", "dont answer": "DontAnswer", "all": "All",
        "dnd/sac/goto cover": "Dnd", "holiday coverage": "Holiday", "logged off/psa/tti": "LoggedOff",
    ]

    private func parseCoveragePath(_ s: SATScreen) {
        var f = Fields()
        var points: [Int: CoveragePoint] = [:]
        var formLines: [(num: Int, bytes: [UInt8])] = []
        for l in s.lines {
            let b = l.bytes
            let toks = Bytes.tokens(b)
            // Criteria rows: "Label?  y  y  [Number of Rings: n]".
            if let q = b.firstIndex(of: UInt8(ascii: "?")), let crit = SATReader.criteria[Bytes.key(b[..<q])] {
                let vals = toks.filter { $0.lowerBound > q }.map { Bytes.string(b, $0) }
                if vals.count >= 2 {
                    f.set("inside" + crit, vals[0]); f.set("outside" + crit, vals[1])
                    if let r = vals.firstIndex(where: { $0.lowercased().hasPrefix("rings:") }) {
                        let inline = vals[r].dropFirst(6)
                        let v = inline.isEmpty ? (r + 1 < vals.count ? vals[r + 1] : "") : String(inline)
                        f.set(crit == "DontAnswer" ? "dontAnswerRings" : "rings" + crit, v)
                    }
                    continue
                }
            }
            // Points: "Point1: h50  Rng: 3  Point2: 3999 …" (blank/underscored points skipped).
            let words = toks.map { Bytes.string(b, $0) }
            if words.first?.lowercased().hasPrefix("point") == true {
                var k = 0
                var lastPoint: Int? = nil
                while k < words.count {
                    let w = words[k]
                    let lw = w.lowercased()
                    if lw.hasPrefix("point"), let c = w.firstIndex(of: ":"), let pn = Int(w[w.index(w.startIndex, offsetBy: 5)..<c]) {
                        var v = String(w[w.index(after: c)...])
                        if v.isEmpty, k + 1 < words.count, !words[k + 1].contains(":") { v = words[k + 1]; k += 1 }
                        v = Fields.clean(v)
                        lastPoint = v.isEmpty ? nil : pn
                        if !v.isEmpty { points[pn] = CoveragePoint(point: v.normalizedExtension == v ? v : v) }
                    } else if lw.hasPrefix("rng:") || lw.hasPrefix("rings:") {
                        var v = String(w[w.index(after: w.firstIndex(of: ":") ?? w.startIndex)...])
                        if v.isEmpty, k + 1 < words.count, !words[k + 1].contains(":") { v = words[k + 1]; k += 1 }
                        if let p = lastPoint, let r = Int(Fields.clean(v)) { points[p]?.rings = r }
                    }
                    k += 1
                }
                continue
            }
            formLines.append(l)
        }
        scanLines(formLines[...], SATReader.coverageLabels, into: &f)
        if f.values["number"] == nil, let q = s.command.qualifier.split(separator: " ").last { f.set("number", String(q)) }
        let ordered = points.keys.sorted().compactMap { points[$0] }
        finish(RecordBuild.coveragePath(&f, points: ordered), f, s)
    }

    // MARK: COR / COS

    static let corLabels: LabelTable = ["cor number": "number", "cor description": "description", "frl": "frl"]

    private func parseCOR(_ s: SATScreen) {
        var f = Fields()
        scanLines(s.lines[...], SATReader.corLabels, into: &f)
        if f.values["number"] == nil, !s.command.qualifier.isEmpty { f.set("number", s.command.qualifier) }
        finish(RecordBuild.cor(&f), f, s)
    }

    /// The COS screen is a matrix: a header row of class numbers, then one row per feature.
    private func parseCOS(_ s: SATScreen) {
        var columns: [Int] = []
        var perms: [Int: [String: Bool]] = [:]
        var firstLine: [Int: Int] = [:]
        for l in s.lines {
            let b = l.bytes
            let toks = Bytes.tokens(b)
            let words = toks.map { Bytes.string(b, $0) }
            if !words.isEmpty, words.allSatisfy({ Int($0) != nil }) { columns = words.compactMap { Int($0) }; continue }
            guard !columns.isEmpty, words.count > columns.count else { continue }
            let vals = words.suffix(columns.count)
            guard vals.allSatisfy({ $0 == "y" || $0 == "n" }) else { continue }
            let label = words.dropLast(columns.count).joined(separator: " ")
            for (c, v) in zip(columns, vals) {
                perms[c, default: [:]][label] = v == "y"
                if firstLine[c] == nil { firstLine[c] = l.num }
            }
        }
        if perms.isEmpty {
            out.reject(.cos, key: nil, at: loc(s.commandLine),
                reason: "display cos: no class-of-service matrix found", code: "sat.no-key",
                hint: "the capture is truncated or not a COS screen; re-capture it")
            return
        }
        for c in perms.keys.sorted() {
            out.add(ClassOfService(number: c, permissions: perms[c] ?? [:]), at: loc(firstLine[c] ?? s.commandLine), format: .sat)
        }
    }

    // MARK: reason codes

    private func parseReasonCodes(_ s: SATScreen) {
        var any = false
        for l in s.lines {
            let t = Bytes.collapsed(l.bytes)
            let lower = t.lowercased()
            let at = loc(l.num)
            if lower.hasPrefix("default reason code:") {
                let rest = String(t.dropFirst("default reason code:".count))
                let parts = Bytes.segments(Array(rest.utf8)).map { Bytes.string(Array(rest.utf8), $0) }
                let raw = l.bytes
                // Prefer the spaced layout's gap; fall back to the last word for collapsed captures.
                let segs = Bytes.segments(raw).map { Bytes.string(raw, $0) }
                var aux: String? = nil, logout: String? = nil
                if segs.count >= 2, let d = segs.firstIndex(where: { $0.lowercased().hasPrefix("default reason code:") }) {
                    aux = Fields.clean(String(segs[d].dropFirst("Default Reason Code:".count)))
                    if aux?.isEmpty == true, d + 1 < segs.count { aux = segs[d + 1]; if d + 2 < segs.count { logout = segs[d + 2] } }
                    else if d + 1 < segs.count { logout = segs[d + 1] }
                } else if let p = parts.first {
                    let w = p.split(separator: " ")
                    aux = w.first.map(String.init); logout = w.count > 1 ? w.dropFirst().joined(separator: " ") : nil
                }
                if let a = aux, !a.isEmpty { out.add(ReasonCode(kind: .aux, code: 0, name: a), at: at, format: .sat); any = true }
                if let o = logout, !o.isEmpty { out.add(ReasonCode(kind: .logout, code: 0, name: o), at: at, format: .sat); any = true }
                continue
            }
            guard lower.hasPrefix("reason code") else { continue }
            // "Reason Code  1: Lunch          /n      End of Shift"
            let raw = l.bytes
            guard let colon = raw.firstIndex(of: UInt8(ascii: ":")) else { continue }
            let numText = Bytes.collapsed(raw[..<colon]).split(separator: " ").last.map(String.init) ?? ""
            guard let code = Int(numText) else { continue }
            let body = Array(raw[(colon + 1)...])
            var auxName = "", flag: Bool? = nil, logout = ""
            if let slash = body.firstIndex(of: UInt8(ascii: "/")), slash + 1 < body.count,
               body[slash + 1] == UInt8(ascii: "y") || body[slash + 1] == UInt8(ascii: "n") {
                auxName = Bytes.collapsed(body[..<slash])
                flag = body[slash + 1] == UInt8(ascii: "y")
                logout = Bytes.collapsed(body[(slash + 2)...])
            } else {
                let segs = Bytes.segments(body).map { Bytes.string(body, $0) }
                auxName = segs.first ?? ""; logout = segs.dropFirst().joined(separator: " ")
            }
            if !auxName.isEmpty { out.add(ReasonCode(kind: .aux, code: code, name: auxName, interruptible: flag), at: at, format: .sat); any = true }
            if !logout.isEmpty { out.add(ReasonCode(kind: .logout, code: code, name: logout), at: at, format: .sat); any = true }
        }
        if !any {
            out.emit(.warning("sat.empty-screen", "display reason-code-names: no reason codes found",
                at: loc(s.commandLine), hint: "check that the capture is complete"))
        }
    }

    // MARK: holiday table

    private func parseHoliday(_ s: SATScreen) {
        var f = Fields()
        var entries: [HolidayEntry] = []
        var formLines: [(num: Int, bytes: [UInt8])] = []
        for l in s.lines {
            let b = l.bytes
            let toks = Bytes.tokens(b)
            if toks.count >= 8 {
                let nums = toks.prefix(8).compactMap { Int(Bytes.string(b, $0)) }
                if nums.count == 8 {
                    let desc = toks.count > 8 ? Bytes.collapsed(b[toks[8].lowerBound...]) : nil
                    entries.append(HolidayEntry(startMonth: nums[0], startDay: nums[1], startHour: nums[2], startMinute: nums[3],
                                                endMonth: nums[4], endDay: nums[5], endHour: nums[6], endMinute: nums[7],
                                                description: desc))
                    continue
                }
            }
            formLines.append(l)
        }
        scanLines(formLines[...], ["number": "number", "name": "name"], into: &f)
        if f.values["number"] == nil, !s.command.qualifier.isEmpty { f.set("number", s.command.qualifier) }
        guard let n = f.int("number") else {
            out.reject(.holidayTable, key: nil, at: loc(s.commandLine), reason: "display holiday-table: no table number",
                           code: "sat.no-key", hint: "re-capture the screen")
            return
        }
        var h = HolidayTable(number: n, name: f.str("name"), entries: entries)
        h.extra = f.extra
        out.add(h, at: loc(s.commandLine), format: .sat)
    }

    // MARK: announcements

    static let announcementLabels: LabelTable = [
        "extension": "extension", "annc name": "name", "name": "name", "annc type": "type", "type": "type",
        "source": "source", "group/board": "source", "port": "source",
    ]

    private func parseAnnouncement(_ s: SATScreen) {
        var f = Fields()
        scanLines(s.lines[...], SATReader.announcementLabels, into: &f)
        if f.values["extension"] == nil, !s.command.qualifier.isEmpty { f.set("extension", s.command.qualifier) }
        finish(RecordBuild.announcement(&f), f, s)
    }

    private func parseListAnnouncement(_ s: SATScreen) {
        let lines = s.lines
        if let (layout, body) = ListLayout.find(lines, isHeader: { SATReader.headerLike($0, ["extension", "announcement", "source", "type"]) }),
           let ec = layout.column("extension") {
            // Cut by the header's columns; their order comes from the header.
            let tc = layout.column("type"), nc = layout.column("name"), sc = layout.column("source", "pt/bd/grp", "group", "board")
            for l in lines[body...] {
                let cells = layout.cells(l.bytes)
                guard ec < cells.count, !cells[ec].isEmpty, cells[ec].normalizedExtension.utf8.allSatisfy(Bytes.isDigit) else { continue }
                var f = Fields()
                f.set("extension", cells[ec])
                if let c = tc, c < cells.count { f.set("type", cells[c]) }
                if let c = nc, c < cells.count { f.set("name", cells[c]) }
                if let c = sc, c < cells.count { f.set("source", cells[c]) }
                var at = s; at.commandLine = l.num
                finish(RecordBuild.announcement(&f), f, at, summary: true)
            }
            return
        }
        for l in lines {
            let segs = Bytes.segments(l.bytes).map { Bytes.string(l.bytes, $0) }
            guard segs.count >= 3, segs[0].normalizedExtension.utf8.allSatisfy(Bytes.isDigit) else { continue }
            var f = Fields()
            f.set("extension", segs[0]); f.set("type", segs[1]); f.set("name", segs[2])
            if segs.count > 3 { f.set("source", segs[3]) }
            var at = s; at.commandLine = l.num
            finish(RecordBuild.announcement(&f), f, at, summary: true)
        }
    }

    // MARK: public-unknown-numbering

    private func parsePublicNumbering(_ s: SATScreen) {
        var any = false
        // Rows are cut by the columns of the header's last line ("Len Code  Grp(s)  Prefix  Len"),
        // so an empty trunk-group or prefix cell never shifts the cells after it.
        let hdr = s.lines.lastIndex { l in
            let k = Bytes.key(l.bytes[...]); return k.hasPrefix("len") && k.contains("code")
        }
        if let h = hdr, let layout = ListLayout(header: [s.lines[h].bytes], split: .words), layout.starts.count >= 5 {
            for l in s.lines[(h + 1)...] {
                let cells = layout.cells(l.bytes)
                // Labels on the same rows ("Maximum Entries: 9999") are right of the table: only
                // the first five cells count, and each must be a number (or trunk list).
                guard cells.count >= 5, let len = Int(cells[0]), !cells[1].isEmpty else { continue }
                let five = cells.prefix(5).map { $0.split(separator: " ").first.map(String.init) ?? "" }
                guard five.allSatisfy({ $0.utf8.allSatisfy { Bytes.isDigit($0) || $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "-") } }) else { continue }
                var p = PublicNumbering(extensionLength: len, extensionCode: five[1])
                p.trunkGroups = five[2].isEmpty ? nil : five[2]
                p.cpnPrefix = five[3].isEmpty ? nil : five[3]
                p.cpnLength = Int(five[4])
                out.add(p, at: loc(l.num), format: .sat); any = true
            }
            if !any {
                out.emit(.warning("sat.empty-screen", "public-unknown-numbering: no rows found",
                    at: loc(s.commandLine), hint: "check that the capture is complete"))
            }
            return
        }
        for l in s.lines {
            let b = l.bytes
            let toks = Bytes.tokens(b).map { Bytes.string(b, $0) }
            // Data rows start with the extension length; labels ("Maximum Entries: 9999") end the row.
            guard let first = toks.first, let len = Int(first), toks.count >= 3 else { continue }
            let row = Array(toks.prefix { $0.utf8.allSatisfy { Bytes.isDigit($0) || $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "-") } })
            guard row.count >= 3 else { continue }
            var p = PublicNumbering(extensionLength: len, extensionCode: row[1])
            switch row.count {
            case 3: p.cpnLength = Int(row[2])
            case 4: p.cpnPrefix = row[2]; p.cpnLength = Int(row[3])
            default: p.trunkGroups = row[2]; p.cpnPrefix = row[3]; p.cpnLength = Int(row[4])
            }
            out.add(p, at: loc(l.num), format: .sat); any = true
        }
        if !any {
            out.emit(.warning("sat.empty-screen", "public-unknown-numbering: no rows found",
                at: loc(s.commandLine), hint: "check that the capture is complete"))
        }
    }

    // MARK: dialplan analysis

    static let callTypes: Set<String> = ["ext", "attd", "fac", "dac", "aar", "ars", "udp", "pbx-data", "svc", "emer", "enp", "fnpa", "hnpa", "lcl", "natl", "intl", "op", "oper"]

    private func parseDialPlan(_ s: SATScreen) {
        // The table's location ("Location:  4" on the screen, or `… location 4` typed) keys its rows.
        var location: String? = nil
        let q = s.command.qualifier.split(separator: " ")
        if q.count >= 2, q[0] == "location" { location = String(q[1]) }
        for l in s.lines where location == nil {
            var f = Fields()
            if SATReader.scan(l.bytes, ["location": "location"], into: &f), let v = f.str("location")?.split(separator: " ").first {
                location = String(v)
            }
        }
        if location?.lowercased() == "all" { location = nil }
        for l in s.lines {
            let b = l.bytes
            if b.contains(UInt8(ascii: ":")) { continue }
            let toks = Bytes.tokens(b).map { Bytes.string(b, $0) }
            var k = 0
            while k + 2 < toks.count {
                if let len = Int(toks[k + 1]), SATReader.callTypes.contains(toks[k + 2].lowercased()) {
                    out.add(DialPlanEntry(dialedString: toks[k], totalLength: len, callType: toks[k + 2].lowercased(), location: location),
                                at: loc(l.num), format: .sat)
                    k += 3
                } else { k += 1 }
            }
        }
    }

    // MARK: pickup group, tenant

    private func parsePickupGroup(_ s: SATScreen) {
        var f = Fields()
        var members: [(Int, String)] = []
        var inMembers = false
        var formLines: [(num: Int, bytes: [UInt8])] = []
        for l in s.lines {
            let key = Bytes.key(l.bytes[...])
            if key.contains("group member assignments") { inMembers = true; continue }
            if inMembers {
                for e in SATReader.entries(l.bytes) {
                    let t = Array(e.text)
                    if let tok = Bytes.tokens(t).first {
                        let ext = Bytes.string(t, tok)
                        if ext.normalizedExtension.utf8.allSatisfy(Bytes.isDigit) { members.append((e.number, ext.normalizedExtension)) }
                    }
                }
                continue
            }
            formLines.append(l)
        }
        scanLines(formLines[...], ["group number": "number", "group name": "name"], into: &f)
        if f.values["number"] == nil, !s.command.qualifier.isEmpty { f.set("number", s.command.qualifier) }
        finish(RecordBuild.pickupGroup(&f, members: members.sorted { $0.0 < $1.0 }.map(\.1)), f, s)
    }

    static let tenantLabels: LabelTable = [
        "tenant": "number", "tenant number": "number", "tenant description": "description",
        "attendant group": "attendantGroup", "music source": "musicSource", "night destination": "nightDestination",
        "cos group": "cosGroup",
    ]

    private func parseTenant(_ s: SATScreen) {
        var f = Fields()
        scanLines(s.lines[...], SATReader.tenantLabels, into: &f)
        if f.values["number"] == nil, !s.command.qualifier.isEmpty { f.set("number", s.command.qualifier) }
        finish(RecordBuild.tenant(&f), f, s)
    }
}

/// What the screens of one batch produced, in order, to be applied to the builder once every
/// earlier batch has been.
final class SATRecorder {
    var ops: [(ModelBuilder) -> Void] = []
}

/// `SATReader`'s output: straight to the builder (one thread), or into a recorder (workers).
struct SATOutput {
    let builder: ModelBuilder
    let recorder: SATRecorder?

    func emit(_ d: Diagnostic) {
        if let r = recorder { r.ops.append { $0.diagnostics.emit(d) } } else { builder.diagnostics.emit(d) }
    }

    func add<R: SourceRecord>(_ record: R, at loc: SourceLocation, format: SourceFormat, summary: Bool = false) {
        if let r = recorder {
            r.ops.append { $0.add(record, at: loc, format: format, summary: summary) }
        } else {
            builder.add(record, at: loc, format: format, summary: summary)
        }
    }

    func reject(_ kind: ObjectKind?, key: String?, at loc: SourceLocation, reason: String, code: String, hint: String? = nil) {
        if let r = recorder {
            r.ops.append { $0.reject(kind, key: key, at: loc, reason: reason, code: code, hint: hint) }
        } else {
            builder.reject(kind, key: key, at: loc, reason: reason, code: code, hint: hint)
        }
    }
}

/// Parses the screens of a large capture on worker threads while the reading thread cuts the
/// next ones. Batches are numbered as they are pushed; a worker parses a batch into a
/// recorder, and the recorded operations are applied to the builder strictly in batch order,
/// by one thread at a time (whichever worker completes the next batch due). So the model, the
/// counts and the order of diagnostics are those of one thread, whatever the scheduling.
/// Memory stays bounded: at most `capacity` batches wait to be parsed and at most `ahead`
/// batches are parsed but not yet applied.
final class SATParsePool: @unchecked Sendable {
    static let batch = 256
    /// Workers for a machine's cores (the reading thread is one more).
    static var defaultWorkers: Int { min(max(ProcessInfo.processInfo.activeProcessorCount, 1), 4) }
    private let capacity = 4
    private let ahead = 4
    private let cond = NSCondition()
    private let reader: SATReader
    private var items: [[SATScreen]] = []
    private var head = 0
    private var closed = false
    /// Sequence number of the next batch handed to a worker.
    private var popped = 0
    /// Parsed batches waiting for their turn, by sequence number.
    private var done: [Int: [(ModelBuilder) -> Void]] = [:]
    private var nextApply = 0
    private var applying = false
    private var running: Int

    init(reader: SATReader, workers: Int) {
        self.reader = reader
        running = workers
        for _ in 0..<workers {
            let t = Thread { [self] in
                while let (seq, b) = pop() { complete(seq, self.reader.parse(b)) }
                cond.lock(); running -= 1; cond.broadcast(); cond.unlock()
            }
            t.stackSize = 8 << 20
            t.start()
        }
    }

    func push(_ b: [SATScreen]) {
        cond.lock()
        while items.count - head >= capacity { cond.wait() }
        items.append(b)
        cond.broadcast()
        cond.unlock()
    }

    /// The next batch and its sequence number, or nil once the queue is closed and empty.
    private func pop() -> (Int, [SATScreen])? {
        cond.lock()
        defer { cond.unlock() }
        while (head == items.count && !closed) || (head < items.count && popped - nextApply >= ahead) { cond.wait() }
        guard head < items.count else { return nil }
        let b = items[head]
        items[head] = []
        head += 1
        if head > 64 { items.removeFirst(head); head = 0 }
        let seq = popped
        popped += 1
        cond.broadcast()
        return (seq, b)
    }

    /// Files a parsed batch and applies every batch whose turn has come, unless another
    /// worker is already applying (it will find this one).
    private func complete(_ seq: Int, _ ops: [(ModelBuilder) -> Void]) {
        cond.lock()
        done[seq] = ops
        if applying { cond.unlock(); return }
        applying = true
        while let next = done.removeValue(forKey: nextApply) {
            cond.unlock()
            for op in next { op(reader.builder) }
            cond.lock()
            nextApply += 1
            cond.broadcast()
        }
        applying = false
        cond.unlock()
    }

    func close() { cond.lock(); closed = true; cond.broadcast(); cond.unlock() }
    func waitFinished() { cond.lock(); while running > 0 { cond.wait() }; cond.unlock() }
}

