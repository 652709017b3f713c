import Common
import Foundation
import GenesysCloud

/// The published contract, enforced before any route runs, from the operations of Genesys's SDK
/// (`APIEndpoints`, generated from research/genesys-endpoints.json) and its models (`Contract`):
/// nothing here is written per endpoint.
/// * a method and path the SDK does not have → 404 `not.found`;
/// * a query parameter the operation does not declare → 400 `bad.request`;
/// * a body on an operation that takes none, or a body that breaks the operation's model
///   (unknown or read-only property, wrong type, value outside the enum, required field
///   missing) → 400 with the platform's codes (`bad.request`, `invalid.value`,
///   `required.field.missing`).
/// Operations outside the families the product uses are only known to exist; the routes answer
/// them 404 when the sandbox does not serve them.
extension GenesysEngine {
    func checkContract(_ r: SandboxRequest) throws(APIError) {
        let op: APIEndpoints.Operation
        switch endpoints.match(r.method, r.path) {
        case .unknownPath:
            throw .notFound("No resource matches \(r.method) \(r.path).")
        case .unknownMethod(let methods):
            throw .notFound("\(r.path) does not support \(r.method) (it supports \(methods.joined(separator: ", "))).")
        case .known(_, nil):
            return
        case .known(_, let described?):
            op = described
        }
        if config.rules.rejectUndeclaredQueryParameters {
            for (name, value) in r.query where !op.query.contains(name) {
                var e = APIError(400, "bad.request",
                                 "The query parameter [\(name)] is not valid for \(op.method) \(op.template); it takes "
                                 + (op.query.isEmpty ? "none." : "\(op.query.sorted().joined(separator: ", "))."),
                                 details: [["errorCode": "bad.request", "fieldName": .string(name)]])
                e.messageWithParams = "The query parameter [{0}] is not valid."
                e.messageParams = ["0": name, "1": value]
                throw e
            }
        }
        guard let type = op.bodyType else {
            // No body model: an empty body (or `{}`) is all it takes.
            guard !r.body.isEmpty else { return }
            let v = try parseBody(r)
            if let o = v.objectValue, o.isEmpty { return }
            let names = v.objectValue.map { $0.keys.sorted().joined(separator: ", ") } ?? "a \(v.arrayValue == nil ? "value" : "list")"
            throw APIError(400, "bad.request", "\(op.method) \(op.template) takes no request body; it was sent \(names).")
        }
        if r.body.isEmpty {
            if op.bodyRequired { throw APIError.badRequest("A request body is required.") }
            return
        }
        try validate(try parseBody(r), type: type, relaxed: relaxedRequired(op))
    }

    /// REQ fields of the spec the platform is known (or assumed, [verify]) not to enforce.
    func relaxedRequired(_ op: APIEndpoints.Operation) -> Set<String> {
        if op.method == "POST", op.template == "/api/v2/users" {
            return config.rules.userDivisionIdOptional ? ["divisionId"] : []
        }
        guard op.method == "POST" || op.method == "PUT" else { return [] }
        return kindList.first { op.template == $0.path || op.template == $0.path + "/{}" }?.relaxedRequired ?? []
    }

    /// The body model the SDK gives `POST <kind path>` (seeding checks seeds against it).
    func createModel(_ kind: ResourceKind) -> String? {
        endpoints.operation("POST", kind.path)?.elementModel
    }
}
