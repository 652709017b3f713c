import AvayaCM
import Common
import Foundation

extension StageOne {
    /// The transform, then the plan, on one side of `Parallel.both` while the source fingerprint
    /// runs on the other: planning needs only the transform's output, so it no longer waits for
    /// the fingerprint (about 3 CPU s at 100,000 stations) to finish first. The source model is
    /// given back to `holder` as soon as the transform is done, so that it is freed before the
    /// planner's structures are built (memory peak, docs/performance.md "Fourth pass").
    static func transformAndPlan(config: MappingConfig, created: Int64, _ holder: ModelHolder) -> (TransformOutput, Plan) {
        var out = Transformer(config: config, createdEpoch: created).run(holder.model, encodingPayloads: true, settling: false)
        holder.release()
        // Sorted and copied to exact capacity only now that the model is gone (memory peak).
        out.settle()
        // The bulk (users, phones, coverage) was encoded on the workers as it was made; the rest
        // (queues, groups and such, which the transform reads and amends) is encoded now.
        let pending = out.resources.indices.filter { out.resources[$0].encoded == nil }
        let trees = pending.map { out.resources[$0] }
        let encode = { (r: PlannedResource) -> PlannedResource in
            var r = r
            r.encode()
            return r
        }
        let done = (try? Parallel.map(trees, minChunk: 64, encode)) ?? trees.map(encode)
        for (i, r) in zip(pending, done) { out.resources[i] = r }
        // Flows join the plan by what they name (their YAML refers by name, not by `@ref:`).
        // The bundle is made from the transform's payloads, never from the steps' copies.
        let plan = Planner.plan(out.resources + out.flows.map { PlannedResource(type: "flows", key: $0.key, payload: $0.planningPayload) },
                                withPayloads: false)
        return (out, plan)
    }
}

/// The source model shared by the two sides of stage one's `Parallel.both` (transform and
/// fingerprint): each side calls `release()` when it is done with it, and the last one drops the
/// records (about 150 MB at 100,000 stations) and gives the freed heap back, instead of keeping
/// them until both sides have returned.
final class ModelHolder: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: SiteModel
    private var users: Int

    init(_ model: SiteModel, users: Int) {
        stored = model
        self.users = users
    }

    /// The model (a copy-on-write copy; callers must not keep it past their `release()`).
    var model: SiteModel { lock.withLock { stored } }

    func release() {
        let last: Bool = lock.withLock {
            users -= 1
            guard users == 0 else { return false }
            stored = SiteModel()
            return true
        }
        if last { Memory.releaseFreed() }
    }
}
