import Common
import Foundation
import TestSupport
@testable import GenesysCloud

/// Virtual time: `sleep` records the wait and advances the clock at once, so tests of Retry-After
/// and backoff finish in milliseconds while asserting the exact waits.
final class VirtualClock: @unchecked Sendable {  // state guarded by `lock`
    private let lock = NSLock()
    private var offset: Duration = .zero
    private var _sleeps: [Duration] = []

    var sleeps: [Duration] { lock.lock(); defer { lock.unlock() }; return _sleeps }
    /// Waits longer than zero (pacer reservations of zero are not interesting).
    var realSleeps: [Duration] { sleeps.filter { $0 > .zero } }

    func advance(_ d: Duration) { lock.lock(); offset += d; lock.unlock() }

    private func record(_ d: Duration) {
        lock.lock(); defer { lock.unlock() }
        _sleeps.append(d)
        if d > .zero { offset += d }
    }

    var clock: ClientClock {
        ClientClock(now: { [self] in lock.lock(); defer { lock.unlock() }; return offset },
                    sleep: { [self] d in
                        record(d)
                        await Task.yield()
                    })
    }
}

/// Collects client events.
final class EventLog: @unchecked Sendable {  // guarded by `lock`
    private let lock = NSLock()
    private var items: [ClientEvent] = []
    func record(_ e: ClientEvent) { lock.lock(); items.append(e); lock.unlock() }
    var events: [ClientEvent] { lock.lock(); defer { lock.unlock() }; return items }
    var attempts: [AttemptEvent] { events.compactMap { if case .attempt(let a) = $0 { return a }; return nil } }
    var waits: [WaitEvent] { events.compactMap { if case .waiting(let w) = $0 { return w }; return nil } }
}

/// A counter shared with server handlers.
final class Counter: @unchecked Sendable {  // guarded by `lock`
    private let lock = NSLock()
    private var n = 0
    func next() -> Int { lock.lock(); defer { lock.unlock() }; n += 1; return n }
    var value: Int { lock.lock(); defer { lock.unlock() }; return n }
}

/// A Genesys-like server: `/oauth/token` mints `tok-1`, `tok-2`, …; everything else goes to `api`.
func genesysServer(tokenDelay: Double = 0, expiresIn: Int = 86_400,
                   api: @escaping @Sendable (TestHTTPServer.Request, Int) -> TestHTTPServer.Action) throws -> TestHTTPServer {
    let minted = Counter()
    return try TestHTTPServer { req, nth in
        if req.path == "/oauth/token" {
            let n = minted.next()
            return .json(200, #"{"access_token":"tok-\#(n)","token_type":"bearer","expires_in":\#(expiresIn)}"#, delay: tokenDelay)
        }
        return api(req, nth)
    }
}

func makeClient(_ server: TestHTTPServer, clients: Int = 1, clock: VirtualClock? = nil, log: EventLog? = nil,
                configure: (inout GenesysClientConfiguration) -> Void = { _ in }) throws -> GenesysClient {
    var config = GenesysClientConfiguration(
        environment: .single(server.baseURL),
        credentials: (1...clients).map { OAuthClientCredentials(clientId: "client-\($0)", clientSecret: Secret("s3cret-value-\($0)")) })
    config.randomSeed = 42
    configure(&config)
    var events: (@Sendable (ClientEvent) -> Void)?
    if let log { events = { log.record($0) } }
    return try GenesysClient(configuration: config, clock: clock?.clock ?? .system, events: events)
}

func bearer(_ r: TestHTTPServer.Request) -> String? {
    r.headers["authorization"].map { String($0.dropFirst("Bearer ".count)) }
}
