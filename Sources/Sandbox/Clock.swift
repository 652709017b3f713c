import Common
import Foundation

/// Seconds since an arbitrary origin. Token expiry, rate windows, search lag and flow jobs all
/// read this, so a test can move time instead of waiting for it.
public protocol SandboxClock: Sendable {
    func now() -> Double
    /// Sleeps `seconds` of this clock's time.
    func sleep(seconds: Double) async
}

public struct SystemClock: SandboxClock {
    public init() {}
    public func now() -> Double { Date().timeIntervalSince1970 }
    public func sleep(seconds: Double) async {
        guard seconds > 0 else { return }
        try? await Task.sleep(nanoseconds: UInt64(seconds * 1e9))
    }
}

/// Wall time multiplied by `factor` (60 = one sandbox minute per real second).
public struct ScaledClock: SandboxClock {
    public let factor: Double
    private let origin = Date().timeIntervalSince1970
    public init(factor: Double) { self.factor = max(factor, 1e-6) }
    public func now() -> Double { origin + (Date().timeIntervalSince1970 - origin) * factor }
    public func sleep(seconds: Double) async {
        guard seconds > 0 else { return }
        try? await Task.sleep(nanoseconds: UInt64(seconds / factor * 1e9))
    }
}

/// Time moves only when told to. `sleep` advances the clock instead of waiting.
public final class ManualClock: SandboxClock, @unchecked Sendable {
    // Guarded by `lock` (Mutex needs macOS 15; the package still builds for 14).
    private var t: Double
    private let lock = NSLock()
    public init(start: Double = 1_700_000_000) { t = start }
    public func now() -> Double { lock.withLock { t } }
    public func advance(_ seconds: Double) { lock.withLock { t += seconds } }
    public func sleep(seconds: Double) async { advance(seconds) }
}

extension SplitMix64 {
    /// A version-4 UUID from two draws, lower-case like the platform's ids.
    mutating func uuid() -> String {
        let a = next(), b = next()
        var bytes = [UInt8](repeating: 0, count: 16)
        for i in 0..<8 { bytes[i] = UInt8(truncatingIfNeeded: a >> (8 * UInt64(i))) }
        for i in 0..<8 { bytes[8 + i] = UInt8(truncatingIfNeeded: b >> (8 * UInt64(i))) }
        bytes[6] = (bytes[6] & 0x0F) | 0x40
        bytes[8] = (bytes[8] & 0x3F) | 0x80
        let hex = bytes.map { String(format: "%02x", $0) }.joined()
        let c = Array(hex)
        return "\(String(c[0..<8]))-\(String(c[8..<12]))-\(String(c[12..<16]))-\(String(c[16..<20]))-\(String(c[20..<32]))"
    }
}
