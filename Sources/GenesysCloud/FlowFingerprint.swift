import Common
import Foundation

/// The content fingerprint stage one writes into each flow's Archy `description` (ArchyKeys:
/// `description`; Archy sets the published flow's description from it, and `GET /api/v2/flows`
/// returns it). A flow's logic cannot be exported for comparison before publishing, so a
/// re-run without the ledger compares this fingerprint instead: equal → the org's flow was
/// published from this very YAML (bundle-spec.md section 9, docs/upload.md).
///
/// Definition: the description ends in `cm2gc-content: sha256:<hex>`; `<hex>` is the SHA-256 of
/// the YAML text (UTF-8) with that hex left empty at its first marker (`…sha256:` followed by
/// the closing quote). Deterministic: the same YAML always carries the same fingerprint.
public enum FlowFingerprint {
    public static let marker = "cm2gc-content: sha256:"

    /// `text` with the empty marker appended, ready to be rendered and then `stamp`ed.
    public static func placeholder(appendedTo text: String) -> String {
        text.isEmpty ? marker : "\(text); \(marker)"
    }

    /// The YAML with the first marker's hex (empty or not) removed: what the fingerprint hashes.
    static func canonical(_ yaml: String) -> String {
        guard let r = yaml.range(of: marker) else { return yaml }
        let hex = yaml[r.upperBound...].prefix { $0.isHexDigit }
        return String(yaml[..<r.upperBound]) + String(yaml[hex.endIndex...])
    }

    /// The fingerprint of a flow's YAML, whatever hex its marker states (nil: no marker).
    public static func of(_ yaml: String) -> String? {
        yaml.contains(marker) ? SHA256Digest.hex(canonical(yaml)) : nil
    }

    /// Fills the first marker of rendered YAML with the fingerprint; YAML without one is unchanged.
    public static func stamp(_ yaml: String) -> String {
        let c = canonical(yaml)
        guard let fp = of(yaml), let r = c.range(of: marker) else { return yaml }
        return String(c[..<r.upperBound]) + fp + String(c[r.upperBound...])
    }

    /// The fingerprint a flow's description states (64 lowercase hex after the marker), if any.
    public static func stated(in description: String?) -> String? {
        guard let d = description, let r = d.range(of: marker, options: .backwards) else { return nil }
        let hex = String(d[r.upperBound...].prefix { $0.isHexDigit }).lowercased()
        return hex.count == 64 ? hex : nil
    }
}
