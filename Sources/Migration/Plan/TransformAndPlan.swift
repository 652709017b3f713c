import AvayaCM
import Common

extension StageOne {
    /// The transform, then the plan, on one side of `Parallel.both` while the source fingerprint
    /// runs on the other: planning needs only the transform's output, so it no longer waits for
    /// the fingerprint (about 3 CPU s at 100,000 stations) to finish first.
    static func transformAndPlan(config: MappingConfig, created: Int64, _ model: SiteModel) -> (TransformOutput, Plan) {
        let out = Transformer(config: config, createdEpoch: created).run(model)
        // Flows join the plan by what they name (their YAML refers by name, not by `@ref:`).
        let plan = Planner.plan(out.resources + out.flows.map { PlannedResource(type: "flows", key: $0.key, payload: $0.planningPayload) })
        return (out, plan)
    }
}
