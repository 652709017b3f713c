import Common
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle

/// Request context that keeps the channel, so a fault can close the connection unanswered.
public struct SandboxRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    let channel: any Channel

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        channel = source.channel
    }
}

/// Bridges Hummingbird to the engine. Routing is the engine's so that every path, including
/// unknown ones, answers with the platform's error body and headers.
struct SandboxResponder: HTTPResponder {
    typealias Context = SandboxRequestContext
    let engine: GenesysEngine

    /// Bodies above the platform's 512 000-byte limit are still read (up to this) so the
    /// sandbox can answer 413 like the platform instead of failing the connection.
    static let maxBody = 4 * 1024 * 1024

    func respond(to request: Request, context: Context) async throws -> Response {
        var req = request
        let buffer = try await req.collectBody(upTo: Self.maxBody)
        var headers: [String: String] = [:]
        for f in request.headers { headers[f.name.canonicalName] = f.value }
        let sreq = SandboxRequest(method: request.method.rawValue, path: request.uri.path,
                                  query: SandboxRequest.parseQuery(request.uri.query ?? ""), headers: headers,
                                  body: Data(buffer: buffer))
        let out = await engine.respond(sreq)
        if out.drop {
            // Injected fault: close the socket without writing a byte of response.
            try? await context.channel.close()
            throw DroppedConnection()
        }
        var fields = HTTPFields()
        for (k, v) in out.headers {
            if let name = HTTPField.Name(k) { fields.append(HTTPField(name: name, value: v)) }
        }
        return Response(status: .init(code: out.status), headers: fields,
                        body: .init(byteBuffer: ByteBuffer(bytes: out.body)))
    }
}

struct DroppedConnection: Error {}

/// A running sandbox. `start` binds loopback on an ephemeral (or given) port and returns once
/// the socket is listening; `stop` shuts down gracefully and flushes the state file.
public final class GenesysSandbox: Sendable {
    public let engine: GenesysEngine
    public let host: String
    public let port: Int
    public var baseURL: URL {
        let h = host.contains(":") ? "[\(host)]" : host
        return URL(string: "http://\(h):\(port)") ?? URL(fileURLWithPath: "/")
    }

    private let group: ServiceGroup
    private let task: Task<Void, any Error>

    private init(engine: GenesysEngine, host: String, port: Int, group: ServiceGroup, task: Task<Void, any Error>) {
        self.engine = engine
        self.host = host
        self.port = port
        self.group = group
        self.task = task
    }

    /// Only loopback addresses: the sandbox must not be reachable from other hosts.
    public static func checkLoopback(_ host: String) throws(SandboxError) {
        guard host == "127.0.0.1" || host == "::1" else { throw .bindRefused(host) }
    }

    /// The Hummingbird application, for HummingbirdTesting (`app.test(.router)`).
    public static func application(engine: GenesysEngine, host: String = "127.0.0.1", port: Int = 0,
                                   onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in })
        throws(SandboxError) -> some ApplicationProtocol {
        try checkLoopback(host)
        var logger = Logger(label: "cm2gc-sandbox")
        logger.logLevel = .warning
        return Application(
            responder: SandboxResponder(engine: engine),
            configuration: .init(address: .hostname(host, port: port), serverName: nil),
            onServerRunning: onServerRunning,
            logger: logger)
    }

    /// Starts in-process. Signals are not handled here (the caller owns the process).
    public static func start(_ config: GenesysSandboxConfig) async throws -> GenesysSandbox {
        try checkLoopback(config.host)
        let engine = try await GenesysEngine(config: config)
        let (stream, cont) = AsyncStream.makeStream(of: Int.self)
        let app = try application(engine: engine, host: config.host, port: config.port) { channel in
            cont.yield(channel.localAddress?.port ?? 0)
            cont.finish()
        }
        let group = ServiceGroup(configuration: .init(services: [app], gracefulShutdownSignals: [], logger: Logger(label: "cm2gc-sandbox")))
        let task = Task(executorPreference: SandboxExecutor.shared) { try await group.run() }
        var bound: Int?
        for await p in stream { bound = p; break }
        guard let port = bound, port > 0 else {
            task.cancel()
            let reason: String
            do { try await task.value; reason = "the server stopped before listening" } catch { reason = "\(error)" }
            throw SandboxError.startFailed(reason)
        }
        let h = config.host.contains(":") ? "[\(config.host)]" : config.host
        await engine.setBaseURL("http://\(h):\(port)")
        return GenesysSandbox(engine: engine, host: config.host, port: port, group: group, task: task)
    }

    public func stop() async {
        await group.triggerGracefulShutdown()
        _ = try? await task.value
        try? await engine.flush()
    }

    /// Runs until SIGTERM/SIGINT, then shuts down cleanly and flushes state (the CLI path).
    public static func run(_ config: GenesysSandboxConfig, announce: @escaping @Sendable (String) -> Void) async throws {
        try checkLoopback(config.host)
        let engine = try await GenesysEngine(config: config)
        let h = config.host.contains(":") ? "[\(config.host)]" : config.host
        let app = try application(engine: engine, host: config.host, port: config.port) { channel in
            let port = channel.localAddress?.port ?? 0
            await engine.setBaseURL("http://\(h):\(port)")
            announce("listening http://\(h):\(port)")
        }
        let group = ServiceGroup(configuration: .init(services: [app], gracefulShutdownSignals: [.sigterm, .sigint],
                                                      logger: Logger(label: "cm2gc-sandbox")))
        try await group.run()
        try await engine.flush()
    }
}
