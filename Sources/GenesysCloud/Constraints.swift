/// Limits the API documents but the SDK metadata does not carry (research/genesys-api.md §2).
/// Extend here, with the section that states each one.
extension FieldConstraint {
    public static let platformDefaults: [FieldConstraint] = [
        // §2.2: proficiency is 0–5 for user routing skills.
        .init(model: "UserRoutingSkillPost", path: "proficiency", kind: .range(0, 5)),
        .init(model: "UserRoutingSkill", path: "proficiency", kind: .range(0, 5)),
        // §2.7: bullseye ring numbers start at 1; a queue has at most 6 rings.
        .init(model: "QueueMember", path: "ringNumber", kind: .range(1, 6)),
        .init(model: "CreateQueueRequest", path: "bullseye.rings", kind: .maxItems(6)),
        // §2.7: alerting timeout at least 7 s (Terraform provider's check; no documented maximum),
        // ACW timeout 1 s to 60 min, service-level percentage 0–1.
        .init(model: "CreateQueueRequest", path: "mediaSettings.call.alertingTimeoutSeconds", kind: .range(7, Double(Int32.max))),
        .init(model: "CreateQueueRequest", path: "acwSettings.timeoutMs", kind: .range(1_000, 3_600_000)),
        .init(model: "CreateQueueRequest", path: "mediaSettings.call.serviceLevel.percentage", kind: .range(0, 1)),
        // §2.17: DID pools hold E.164 numbers.
        .init(model: "DIDPool", path: "startPhoneNumber", kind: .e164),
        .init(model: "DIDPool", path: "endPhoneNumber", kind: .e164),
        // §2.12: call route DNIS are E.164; at most 50 per request in practice (split into updates).
        .init(model: "IVR", path: "dnis", kind: .e164),
        .init(model: "IVR", path: "dnis", kind: .maxItems(50)),
        // Names: every named resource needs a non-empty name; the platform caps most at 256.
        .init(model: "CreateUser", path: "name", kind: .minLength(1)),
        .init(model: "CreateUser", path: "name", kind: .maxLength(255)),
        .init(model: "CreateUser", path: "email", kind: .pattern(#"^[^@\s]+@[^@\s]+\.[^@\s]+$"#, description: "an email address")),
        .init(model: "CreateQueueRequest", path: "name", kind: .minLength(1)),
        .init(model: "GroupCreate", path: "name", kind: .minLength(1)),
        .init(model: "RoutingSkill", path: "name", kind: .minLength(1)),
        .init(model: "WrapupCodeRequest", path: "name", kind: .minLength(1)),
    ]
}
