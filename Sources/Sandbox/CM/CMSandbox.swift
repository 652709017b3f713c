import AvayaCM
import Common
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle

/// Bridges Hummingbird to the CM engine; a dropped-connection fault closes the socket unanswered.
struct CMResponder: HTTPResponder {
    typealias Context = SandboxRequestContext
    let engine: CMEngine

    func respond(to request: Request, context: Context) async throws -> Response {
        var req = request
        let buffer = try await req.collectBody(upTo: 1 << 20)
        var headers: [String: String] = [:]
        for f in request.headers { headers[f.name.canonicalName] = f.value }
        let sreq = SandboxRequest(method: request.method.rawValue, path: request.uri.path,
                                  query: SandboxRequest.parseQuery(request.uri.query ?? ""), headers: headers,
                                  body: Data(buffer: buffer))
        let out = await engine.respond(sreq)
        if out.delay > 0 { try? await Task.sleep(nanoseconds: UInt64(out.delay * 1e9)) }
        if out.drop {
            try? await context.channel.close()
            throw DroppedConnection()
        }
        var fields = HTTPFields()
        for (k, v) in out.headers {
            if let name = HTTPField.Name(k) { fields.append(HTTPField(name: name, value: v)) }
        }
        return Response(status: .init(code: out.status), headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: out.body)))
    }
}

/// A running CM sandbox: our REST contract under `restBase`, pbxd v3 on `POST /<pbx>/v3/`,
/// admin under `/sandbox/`. Loopback only.
public final class CMSandbox: Sendable {
    public let engine: CMEngine
    public let port: Int
    public let host: String
    private let group: ServiceGroup
    private let task: Task<Void, any Error>

    /// Root URL (pbxd `--from`).
    public var baseURL: String { "http://\(host.contains(":") ? "[\(host)]" : host):\(port)" }
    /// REST contract base (`--from` for `--kind rest`).
    public let restURL: String

    private init(engine: CMEngine, host: String, port: Int, restBase: String, group: ServiceGroup, task: Task<Void, any Error>) {
        self.engine = engine
        self.host = host
        self.port = port
        self.group = group
        self.task = task
        restURL = "http://\(host.contains(":") ? "[\(host)]" : host):\(port)\(restBase)"
    }

    static func application(engine: CMEngine, host: String, port: Int,
                            onServerRunning: @escaping @Sendable (any Channel) async -> Void) -> some ApplicationProtocol {
        var logger = Logger(label: "cm2gc-sandbox-cm")
        logger.logLevel = .critical
        return Application(responder: CMResponder(engine: engine),
                           configuration: .init(address: .hostname(host, port: port), serverName: nil),
                           onServerRunning: onServerRunning, logger: logger)
    }

    /// Starts in-process on `config.port` (0: an ephemeral port) and returns once listening.
    public static func start(_ config: CMSandboxConfig) async throws -> CMSandbox {
        try GenesysSandbox.checkLoopback(config.host)
        let engine = CMEngine(config: config)
        let (stream, cont) = AsyncStream.makeStream(of: Int.self)
        let app = application(engine: engine, host: config.host, port: config.port) { ch in
            cont.yield(ch.localAddress?.port ?? 0)
            cont.finish()
        }
        let group = ServiceGroup(configuration: .init(services: [app], gracefulShutdownSignals: [], logger: Logger(label: "cm2gc-sandbox-cm")))
        let task = Task(executorPreference: SandboxExecutor.shared) { try await group.run() }
        var bound: Int?
        for await p in stream { bound = p; break }
        guard let port = bound, port > 0 else {
            task.cancel()
            throw SandboxError.startFailed("the CM sandbox stopped before listening")
        }
        return CMSandbox(engine: engine, host: config.host, port: port, restBase: config.restBase, group: group, task: task)
    }

    public func stop() async {
        await group.triggerGracefulShutdown()
        _ = try? await task.value
    }

    /// Runs until SIGTERM/SIGINT (the CLI path).
    public static func run(_ config: CMSandboxConfig, announce: @escaping @Sendable (String) -> Void) async throws {
        try GenesysSandbox.checkLoopback(config.host)
        let engine = CMEngine(config: config)
        let h = config.host.contains(":") ? "[\(config.host)]" : config.host
        let app = application(engine: engine, host: config.host, port: config.port) { ch in
            let port = ch.localAddress?.port ?? 0
            announce("listening http://\(h):\(port) (REST http://\(h):\(port)\(config.restBase), pbxd POST /\(config.pbxName)/v3/)")
        }
        let group = ServiceGroup(configuration: .init(services: [app], gracefulShutdownSignals: [.sigterm, .sigint],
                                                      logger: Logger(label: "cm2gc-sandbox-cm")))
        try await group.run()
    }
}
