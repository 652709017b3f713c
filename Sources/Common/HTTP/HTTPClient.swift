import CCurl
import Foundation

/// libcurl's process-wide initialisation, run once on first use (a global `let` is lazily and
/// atomically initialised). It must precede any other libcurl call.
private let curlGlobalInit: Void = {
    let rc = curl_global_init(Int(CURL_GLOBAL_ALL))
    precondition(rc == CURLE_OK, "curl_global_init failed with code \(rc.rawValue)")
}()

/// Settings shared by every request of one `HTTPClient`.
public struct HTTPClientConfiguration: Sendable {
    public enum HTTPVersion: Sendable { case http1_1, http2OverTLS }

    /// TCP + TLS (+ proxy) connect budget.
    public var connectTimeout: Duration = .seconds(15)
    /// Whole-request budget, connect included. `HTTPRequest.timeout` overrides it per request.
    public var requestTimeout: Duration = .seconds(120)
    /// HTTP/2 where the server offers it over TLS, HTTP/1.1 otherwise (and always for plain http).
    public var httpVersion: HTTPVersion = .http2OverTLS
    /// Explicit proxy (`http://proxy:3128`). nil: libcurl reads `https_proxy`/`HTTPS_PROXY`,
    /// `http_proxy`, `no_proxy` from the environment.
    public var proxy: String?
    /// Hosts that bypass the proxy (`NO_PROXY` syntax). nil: the environment decides.
    public var noProxy: String?
    /// PEM CA bundle to trust instead of the system store (private CA, TLS-inspecting proxy).
    public var caBundlePath: String?
    /// PEM client certificate and key for mutual TLS.
    public var clientCertificatePath: String?
    public var clientKeyPath: String?
    /// Pass phrase of an encrypted client key. Never logged.
    public var clientKeyPassword: String?
    /// Bodies above this are aborted with `HTTPError.responseTooLarge`.
    public var maxResponseBytes: Int = 64 << 20
    /// Upper bound of concurrent connections to one host (0: libcurl's default, unlimited).
    public var maxConnectionsPerHost: Int = 16
    public var userAgent: String = "cm2gc/\(ToolVersion.current)"

    public init() {}
}

/// An HTTP/1.1 and HTTP/2 client over libcurl's multi interface.
///
/// One background thread drives all transfers of the client: connections (and TLS sessions, DNS
/// answers) live in the multi handle's cache and are reused by later requests; HTTP/2 streams
/// multiplex. Callers `await`; no cooperative-pool thread ever blocks in libcurl.
public final class HTTPClient: HTTPTransport, Sendable {
    public let configuration: HTTPClientConfiguration
    private let loop: CurlMultiLoop

    public init(configuration: HTTPClientConfiguration = .init()) {
        _ = curlGlobalInit
        self.configuration = configuration
        self.loop = CurlMultiLoop(maxConnectionsPerHost: configuration.maxConnectionsPerHost)
    }

    deinit { loop.shutdown() }

    public func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        let transfer = try CurlTransfer(request: request, configuration: configuration)
        let loop = self.loop
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (c: CheckedContinuation<HTTPResponse, any Error>) in
                transfer.setContinuation(c)
                loop.submit(transfer)
            }
        } onCancel: {
            transfer.requestCancel()
            loop.wake()
        }
    }
}

extension Duration {
    /// Whole milliseconds, rounded up so that a tiny positive budget never becomes "no limit" (0).
    var wholeMilliseconds: Int {
        let (s, atto) = components
        let ms = Double(s) * 1000 + Double(atto) / 1e15
        return max(0, Int(ms.rounded(.up)))
    }

    var seconds: Double {
        let (s, atto) = components
        return Double(s) + Double(atto) / 1e18
    }
}

// MARK: - Transfer

/// One request in flight: the easy handle and everything libcurl points into during the transfer.
///
/// `@unchecked Sendable` because it crosses from the caller to the loop thread. `lock` guards the
/// fields that both sides touch (`continuation`, `cancelRequested`); the buffers are written only
/// by libcurl callbacks on the loop thread, after the hand-over through the loop's lock.
final class CurlTransfer: @unchecked Sendable {
    let easy: UnsafeMutableRawPointer
    let url: String
    private var headerList: UnsafeMutablePointer<curl_slist>?
    private let errorBuffer: UnsafeMutablePointer<CChar>
    private let maxBytes: Int

    // Loop-thread state, filled by the callbacks.
    fileprivate var body = Data()
    fileprivate var headers = HTTPHeaders()
    fileprivate var tooLarge = false
    /// Times libcurl was about to send the request (`sendAtMostOnce`: the pre-request callback).
    fileprivate var sends = 0
    /// The pre-request callback refused libcurl's own second send.
    fileprivate var resendRefused = false

    private let lock = NSLock()
    private var continuation: CheckedContinuation<HTTPResponse, any Error>?
    private var cancelRequested = false
    private var finished = false

    init(request: HTTPRequest, configuration c: HTTPClientConfiguration) throws {
        guard let h = curl_easy_init() else { throw HTTPError.invalidRequest("libcurl could not create a handle") }
        easy = h
        url = request.url
        maxBytes = c.maxResponseBytes
        errorBuffer = .allocate(capacity: Int(CURL_ERROR_SIZE))
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE))
        // From here on deinit frees the handle, the list and the buffer, whatever throws below.
        try configure(request, c)
    }

    deinit {
        curl_easy_cleanup(easy)
        if let headerList { curl_slist_free_all(headerList) }
        errorBuffer.deallocate()
    }

    private func set(_ o: CURLoption, _ v: Int) throws {
        try check(ccurl_setopt_long(easy, o, v), o)
    }

    private func set(_ o: CURLoption, _ v: String) throws {
        // libcurl copies string options (since 7.17), so the temporary C string is enough.
        try check(v.withCString { ccurl_setopt_str(easy, o, $0) }, o)
    }

    private func check(_ rc: CURLcode, _ o: CURLoption) throws {
        guard rc == CURLE_OK else {
            throw HTTPError.invalidRequest("option \(o.rawValue) rejected: \(String(cString: curl_easy_strerror(rc)))")
        }
    }

    private func configure(_ r: HTTPRequest, _ c: HTTPClientConfiguration) throws {
        let lower = r.url.lowercased()
        guard lower.hasPrefix("http://") || lower.hasPrefix("https://") else {
            throw HTTPError.invalidRequest("only http and https URLs are supported: \(r.url)")
        }
        try set(CURLOPT_URL, r.url)
        try set(CURLOPT_PROTOCOLS_STR, "http,https")
        try set(CURLOPT_NOSIGNAL, 1)  // no SIGALRM for DNS timeouts: we are multi-threaded
        try set(CURLOPT_FOLLOWLOCATION, 0)
        try set(CURLOPT_TCP_KEEPALIVE, 1)
        if r.freshConnection { try set(CURLOPT_FRESH_CONNECT, 1) }
        if r.sendAtMostOnce && !r.freshConnection { try configureSendAtMostOnce() }
        try set(CURLOPT_ACCEPT_ENCODING, "")  // every encoding libcurl can decode
        try set(CURLOPT_CONNECTTIMEOUT_MS, max(1, c.connectTimeout.wholeMilliseconds))
        try set(CURLOPT_TIMEOUT_MS, max(1, (r.timeout ?? c.requestTimeout).wholeMilliseconds))
        try set(CURLOPT_HTTP_VERSION, c.httpVersion == .http2OverTLS ? Int(CURL_HTTP_VERSION_2TLS) : Int(CURL_HTTP_VERSION_1_1))
        try set(CURLOPT_USERAGENT, c.userAgent)
        if let p = c.proxy { try set(CURLOPT_PROXY, p) }
        if let p = c.noProxy { try set(CURLOPT_NOPROXY, p) }
        if let p = c.caBundlePath { try set(CURLOPT_CAINFO, p) }
        if let p = c.clientCertificatePath { try set(CURLOPT_SSLCERT, p) }
        if let p = c.clientKeyPath { try set(CURLOPT_SSLKEY, p) }
        if let p = c.clientKeyPassword { try set(CURLOPT_KEYPASSWD, p) }
        try check(ccurl_setopt_ptr(easy, CURLOPT_ERRORBUFFER, UnsafeMutableRawPointer(errorBuffer)), CURLOPT_ERRORBUFFER)

        // Method and body. COPYPOSTFIELDS copies the bytes into the handle, so nothing of ours
        // needs to outlive this call; the size goes first because bodies may contain NUL bytes.
        switch r.method {
        case .GET where r.body == nil: try set(CURLOPT_HTTPGET, 1)
        case .HEAD: try set(CURLOPT_NOBODY, 1)
        default:
            if r.method != .POST { try set(CURLOPT_CUSTOMREQUEST, r.method.rawValue) }
            let body = r.body ?? Data()
            if r.body != nil || r.method != .DELETE {
                try check(ccurl_setopt_off(easy, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(body.count)), CURLOPT_POSTFIELDSIZE_LARGE)
                let rc: CURLcode = body.isEmpty
                    ? "".withCString { ccurl_setopt_ptr(easy, CURLOPT_COPYPOSTFIELDS, UnsafeMutableRawPointer(mutating: $0)) }
                    : body.withUnsafeBytes { raw in
                        ccurl_setopt_ptr(easy, CURLOPT_COPYPOSTFIELDS, raw.baseAddress.map { UnsafeMutableRawPointer(mutating: $0) })
                    }
                try check(rc, CURLOPT_COPYPOSTFIELDS)
            }
        }

        // Headers. `Expect:` (empty) stops libcurl's 100-continue round trip on larger bodies.
        var lines = ["Expect:"]
        for f in r.headers {
            guard !f.name.isEmpty, !f.name.contains(where: { $0 == "\r" || $0 == "\n" || $0 == ":" }),
                  !f.value.contains(where: { $0 == "\r" || $0 == "\n" }) else {
                throw HTTPError.invalidRequest("header \(f.name.debugDescription) has a forbidden character")
            }
            lines.append(f.value.isEmpty ? "\(f.name);" : "\(f.name): \(f.value)")
        }
        for line in lines {
            guard let next = curl_slist_append(headerList, line) else {
                throw HTTPError.invalidRequest("cannot allocate the header list")
            }
            headerList = next
        }
        try check(ccurl_setopt_slist(easy, CURLOPT_HTTPHEADER, headerList), CURLOPT_HTTPHEADER)

        // Callbacks get this object back through userdata; the loop's table keeps it alive.
        let me = Unmanaged.passUnretained(self).toOpaque()
        try check(ccurl_setopt_ptr(easy, CURLOPT_WRITEDATA, me), CURLOPT_WRITEDATA)
        try check(ccurl_setopt_datacb(easy, CURLOPT_WRITEFUNCTION) { ptr, size, n, ud in
            guard let ud else { return 0 }
            let t = Unmanaged<CurlTransfer>.fromOpaque(ud).takeUnretainedValue()
            let count = size * n
            if t.body.count + count > t.maxBytes { t.tooLarge = true; return 0 }  // 0 aborts the transfer
            if let ptr, count > 0 { t.body.append(UnsafeRawPointer(ptr).assumingMemoryBound(to: UInt8.self), count: count) }
            return count
        }, CURLOPT_WRITEFUNCTION)
        try check(ccurl_setopt_ptr(easy, CURLOPT_HEADERDATA, me), CURLOPT_HEADERDATA)
        try check(ccurl_setopt_datacb(easy, CURLOPT_HEADERFUNCTION) { ptr, size, n, ud in
            guard let ud else { return 0 }
            let t = Unmanaged<CurlTransfer>.fromOpaque(ud).takeUnretainedValue()
            let count = size * n
            guard let ptr else { return count }
            let line = String(decoding: UnsafeRawBufferPointer(start: ptr, count: count), as: UTF8.self)
                .trimmingCharacters(in: .whitespacesAndNewlines)
            if line.hasPrefix("HTTP/") {
                t.headers = HTTPHeaders()  // a new response (after 100 Continue or a proxy CONNECT)
            } else if let colon = line.firstIndex(of: ":") {
                t.headers.add(String(line[..<colon]).trimmingCharacters(in: .whitespaces),
                              String(line[line.index(after: colon)...]).trimmingCharacters(in: .whitespaces))
            }
            return count
        }, CURLOPT_HEADERFUNCTION)
    }

    /// libcurl re-sends a request when a reused connection closes before any byte of the answer
    /// (`Curl_retry_request`, any method, up to 5 times). Each send passes the pre-request
    /// callback first, so the callback lets the first through and aborts the second: the transfer
    /// then ends with CURLE_ABORTED_BY_CALLBACK, reported as a dropped connection after sending.
    /// Connections idle for more than 20 s are not reused for such a request (one closed by the
    /// server's idle timeout is the usual way a reused connection dies). Without the callback
    /// (libcurl < 7.80), a new connection: libcurl never re-sends on one it just opened.
    private func configureSendAtMostOnce() throws {
        let me = Unmanaged.passUnretained(self).toOpaque()
        let rc = ccurl_setopt_prereq(easy, { ud, _, _, _, _ in
            guard let ud else { return 1 }
            let t = Unmanaged<CurlTransfer>.fromOpaque(ud).takeUnretainedValue()
            t.sends += 1
            guard t.sends == 1 else {
                t.resendRefused = true
                return 1  // CURL_PREREQFUNC_ABORT
            }
            return 0  // CURL_PREREQFUNC_OK
        }, me)
        if rc == CURLE_OK {
            try set(CURLOPT_MAXAGE_CONN, 20)
        } else {
            try set(CURLOPT_FRESH_CONNECT, 1)
        }
    }

    // MARK: cross-thread state

    func setContinuation(_ c: CheckedContinuation<HTTPResponse, any Error>) {
        lock.lock(); defer { lock.unlock() }
        continuation = c
    }

    func requestCancel() {
        lock.lock(); defer { lock.unlock() }
        cancelRequested = true
    }

    var isCancelRequested: Bool {
        lock.lock(); defer { lock.unlock() }
        return cancelRequested
    }

    /// Resumes the caller exactly once.
    func finish(_ result: Result<HTTPResponse, HTTPError>) {
        lock.lock()
        let c = continuation
        let first = !finished
        finished = true
        continuation = nil
        lock.unlock()
        guard first else { return }
        c?.resume(with: result.mapError { $0 as any Error })
    }

    // MARK: completion (loop thread)

    func complete(_ code: CURLcode) {
        var requestSize = 0
        _ = ccurl_getinfo_long(easy, CURLINFO_REQUEST_SIZE, &requestSize)
        let sent = requestSize > 0
        guard code == CURLE_OK else {
            let detail = errorDetail(code)
            let error: HTTPError
            switch code {
            case CURLE_ABORTED_BY_CALLBACK where resendRefused:
                error = .connectionDropped(url: url, requestSent: true,
                                           detail: "the reused connection closed before any answer; libcurl's own second send was refused (\(detail))")
            case CURLE_UNSUPPORTED_PROTOCOL, CURLE_URL_MALFORMAT:
                error = .invalidRequest(detail)
            case CURLE_COULDNT_RESOLVE_PROXY, CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_CONNECT:
                error = .connectFailed(url: url, detail: detail)
            case CURLE_OPERATION_TIMEDOUT:
                error = .timedOut(url: url, requestSent: sent, detail: detail)
            case CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CERTPROBLEM, CURLE_SSL_CIPHER,
                 CURLE_SSL_CACERT_BADFILE, CURLE_SSL_CRL_BADFILE, CURLE_SSL_ISSUER_ERROR, CURLE_SSL_PINNEDPUBKEYNOTMATCH,
                 CURLE_SSL_INVALIDCERTSTATUS, CURLE_SSL_CLIENTCERT, CURLE_SSL_ENGINE_NOTFOUND, CURLE_SSL_ENGINE_SETFAILED,
                 CURLE_SSL_ENGINE_INITFAILED, CURLE_USE_SSL_FAILED:
                error = .tls(url: url, detail: detail)
            case CURLE_GOT_NOTHING, CURLE_SEND_ERROR, CURLE_RECV_ERROR, CURLE_PARTIAL_FILE, CURLE_HTTP2,
                 CURLE_HTTP2_STREAM, CURLE_WEIRD_SERVER_REPLY:
                error = .connectionDropped(url: url, requestSent: sent, detail: detail)
            case CURLE_WRITE_ERROR where tooLarge:
                error = .responseTooLarge(url: url, limit: maxBytes)
            default:
                error = .transport(url: url, code: Int(code.rawValue), requestSent: sent, detail: detail)
            }
            return finish(.failure(error))
        }
        var status = 0
        _ = ccurl_getinfo_long(easy, CURLINFO_RESPONSE_CODE, &status)
        var version = 0
        _ = ccurl_getinfo_long(easy, CURLINFO_HTTP_VERSION, &version)
        var total = 0.0
        _ = ccurl_getinfo_double(easy, CURLINFO_TOTAL_TIME, &total)
        let v: String? = switch version {
        case Int(CURL_HTTP_VERSION_1_0): "1.0"
        case Int(CURL_HTTP_VERSION_1_1): "1.1"
        case Int(CURL_HTTP_VERSION_2_0): "2"
        case Int(CURL_HTTP_VERSION_3): "3"
        default: nil
        }
        finish(.success(HTTPResponse(status: status, headers: headers, body: body, httpVersion: v,
                                     duration: .milliseconds(Int((total * 1000).rounded())))))
    }

    private func errorDetail(_ code: CURLcode) -> String {
        let buffered = String(decoding: UnsafeRawBufferPointer(start: errorBuffer, count: strnlen(errorBuffer, Int(CURL_ERROR_SIZE))),
                              as: UTF8.self)
        let generic = String(cString: curl_easy_strerror(code))
        return buffered.isEmpty ? "\(generic) (curl \(code.rawValue))" : "\(buffered) (curl \(code.rawValue))"
    }
}

// MARK: - Multi loop

/// The thread that runs libcurl's multi interface for one client.
///
/// `@unchecked Sendable`: `lock` guards `incoming`, `stopping` and `closed`; `multi` and `active` are used
/// only on the loop thread, except `curl_multi_wakeup`, which libcurl documents as thread-safe.
final class CurlMultiLoop: @unchecked Sendable {
    private let lock = NSLock()
    private var incoming: [CurlTransfer] = []
    private var stopping = false
    private var closed = false  // set once the multi handle is freed
    private let multi: UnsafeMutableRawPointer
    private var active: [UnsafeMutableRawPointer: CurlTransfer] = [:]

    init(maxConnectionsPerHost: Int) {
        guard let m = curl_multi_init() else { preconditionFailure("curl_multi_init failed (out of memory)") }
        multi = m
        if maxConnectionsPerHost > 0 {
            _ = ccurl_multi_setopt_long(m, CURLMOPT_MAX_HOST_CONNECTIONS, maxConnectionsPerHost)
        }
        let thread = Thread { [self] in run() }
        thread.name = "cm2gc.http"
        thread.start()
    }

    func submit(_ t: CurlTransfer) {
        lock.lock()
        let stopped = stopping
        if !stopped { incoming.append(t) }
        lock.unlock()
        if stopped { t.finish(.failure(.cancelled(url: t.url))) } else { wake() }
    }

    func wake() {
        lock.lock(); defer { lock.unlock() }
        if !closed { _ = curl_multi_wakeup(multi) }
    }

    func shutdown() {
        lock.lock(); stopping = true; lock.unlock()
        wake()
    }

    private func run() {
        while true {
            lock.lock()
            let new = incoming
            incoming.removeAll()
            let stop = stopping
            lock.unlock()

            for t in new {
                if stop || t.isCancelRequested { t.finish(.failure(.cancelled(url: t.url))); continue }
                if curl_multi_add_handle(multi, t.easy) != CURLM_OK {
                    t.finish(.failure(.invalidRequest("libcurl refused the transfer")))
                    continue
                }
                active[t.easy] = t
            }
            for (easy, t) in active where stop || t.isCancelRequested {
                curl_multi_remove_handle(multi, easy)
                active[easy] = nil
                t.finish(.failure(.cancelled(url: t.url)))
            }
            if stop { break }

            var running: Int32 = 0
            _ = curl_multi_perform(multi, &running)
            var left: Int32 = 0
            while let msg = curl_multi_info_read(multi, &left) {
                guard msg.pointee.msg == CURLMSG_DONE, let easy = msg.pointee.easy_handle else { continue }
                let code = msg.pointee.data.result  // read before remove_handle invalidates msg
                curl_multi_remove_handle(multi, easy)
                active.removeValue(forKey: easy)?.complete(code)
            }
            _ = curl_multi_poll(multi, nil, 0, active.isEmpty ? 5_000 : 250, nil)
        }
        lock.lock(); closed = true; lock.unlock()
        curl_multi_cleanup(multi)
    }
}
