import Common
import Foundation
import Testing
@testable import BundleKit

/// Pins the exact bytes of the format for a fixed input, so that any drift (field names, ordering,
/// JSON form, manifest layout, id rule) fails here and is a deliberate, spec-versioned change.
@Suite struct GoldenTests {
    @Test func bundleJSONBytes() throws {
        let files = try sampleBuilder().build().files
        let text = String(decoding: try #require(files["bundle.json"]), as: UTF8.self)
        #expect(text == Golden.bundleJSON)
    }

    @Test func tagManifestAndDigest() throws {
        let built = try sampleBuilder().build()
        let text = String(decoding: try #require(built.files["tagmanifest-sha256.txt"]), as: UTF8.self)
        #expect(text == Golden.tagManifest)
        #expect(built.digest == Golden.digest)
    }

    @Test func memberListAndOrderJSON() throws {
        let files = try sampleBuilder().build().files
        #expect(files.paths == Golden.paths)
        let order = String(decoding: try #require(files["plan/order.json"]), as: UTF8.self)
        #expect(order == Golden.orderJSON)
        let manifest = String(decoding: try #require(files["manifest-sha256.txt"]), as: UTF8.self)
        #expect(manifest == Golden.manifest)
    }
}

enum Golden {
    static let paths = ["bundle.json", "difflog.jsonl", "exceptions.jsonl", "flows/main-menu.yaml", "manifest-sha256.txt",
                        "mapping.csv", "payloads/queue/sales.json", "payloads/skill/billing.json", "plan/order.json",
                        "plan/plan.txt", "summary.md", "tagmanifest-sha256.txt"]
    static let bundleJSON = """
{
  "bundle_id": "126c743f745871623aa9d3f79dce8520",
  "counts": {
    "queue": 1,
    "skill": 1
  },
  "created": "2024-01-01T00:00:00Z",
  "flow_count": 1,
  "format": "cm2gc-bundle",
  "format_version": "1.1",
  "mapping_config_digest": "04f996cd3aa14acd39b38905e9877b6a8560eb1c34919e702b82816d1cd033b0",
  "payload_bytes": 104,
  "source_fingerprint": "ccb03d927575ef384bb693555474cbb23807d31390f648a2d41911e74d553b71",
  "target_api_model": "genesys-cloud-api-v2",
  "tool_version": "0.1.0"
}

"""
    static let tagManifest = """
185113a52867926f63a74442957fc6b4985389197e1ddc4184100e83650ce2bd  bundle.json
fdae2596f07a1e755c71a27eba59149e4586c1c3acf9956f85f7119cac384641  difflog.jsonl
6444bf10238233367eee2aec750fde5da444de43ad013074ef26f9d4d5a1981a  exceptions.jsonl
8b4a5cb0a0fcfe0b0c54588979d173bdeb54e8dd84bd89a74de471c02910e194  manifest-sha256.txt
e61fc7ec465ea73813f3dd103769a3be9609ca07ebf72d6828bc389d28ff9c5a  mapping.csv
c976bedfaea1710f4e1c311899b6eb8415907331813187f8fe407ff8be5fafd8  plan/order.json
ec42056d09144cee25e19ec4d00504f63326d371bad1888e020d3504ca573cdf  plan/plan.txt
868d0d238fef06220123b18c470c7a3b26691ec206f9e604928973ec95132324  summary.md

"""
    static let manifest = """
9feb87d11d69e14cb119c148bdd040349b587e174ecbc77c9c90fa24e559319e  flows/main-menu.yaml
1ed286094d46506aeb3682b941d17e4ec450bf00cc4e235da2ac6813e87fe8cc  payloads/queue/sales.json
186997e8432c4a0b2cf526fd5c5713a0ac0767f4fa87af4fcf332a2f28b36677  payloads/skill/billing.json

"""
    static let orderJSON = """
{
  "steps": [
    {
      "action": "create",
      "depends_on": [],
      "id": "skill/billing",
      "key": "billing",
      "payload": "payloads/skill/billing.json",
      "phase": 1,
      "type": "skill"
    },
    {
      "action": "create",
      "depends_on": [
        "skill/billing"
      ],
      "id": "queue/sales",
      "key": "sales",
      "payload": "payloads/queue/sales.json",
      "phase": 2,
      "type": "queue"
    }
  ]
}

"""
    static let digest = "4848efe262c896438e40dbadeae57514bf2a4ee1ac0fb047324c37e2d4ed75b2"
}
