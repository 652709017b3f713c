import AvayaCM
import Foundation

/// [coverage.forwarding] Recognising a CM voicemail (messaging) hunt group from the group itself.
/// A hunt group that fronts a messaging system names it on its form: `Message Center` (`audix`,
/// `rem-audix`, `msa`, `msa-vm`, `qsig-mwi`, `sip-adjunct`) and, for SIP messaging, `Voice Mail
/// Number` / `Voice Mail Handle` (research/avaya-formats.md §1.4). Such a group answers through
/// the messaging system, not through members, so it is recognised only when it has none; one with
/// members (voice ports of an older AUDIX) is left to `voicemailGroups` in the mapping.
public enum VoicemailGroup {
    /// Labels as the readers keep them in `extra`, compared without case, blanks or punctuation.
    static let messageCenterKeys: Set<String> = ["messagecenter"]
    static let numberKeys: Set<String> = ["voicemailnumber", "voicemailhandle", "voicemailextension"]

    static func squash(_ s: String) -> String { String(s.lowercased().filter { $0.isLetter || $0.isNumber }) }

    /// The messaging marks on the form: message center type and voice mail number/handle.
    public static func marks(_ h: HuntGroup) -> [String] {
        var out: [String] = []
        for k in h.extra.keys.sorted() {
            let key = squash(k.split(separator: "#").first.map(String.init) ?? k)
            let v = (h.extra[k] ?? "").trimmingCharacters(in: .whitespaces)
            guard !v.isEmpty else { continue }
            if messageCenterKeys.contains(key), v.lowercased() != "none" { out.append("Message Center \(v)") }
            if numberKeys.contains(key) { out.append("\(k) \(v)") }
        }
        return out
    }

    /// Why `h` is a voicemail group, or nil. `agents`: how many agents hold it as a skill.
    public static func recognise(_ h: HuntGroup, agents: Int) -> String? {
        let m = marks(h)
        guard !m.isEmpty, h.members.isEmpty, agents == 0 else { return nil }
        return "its form names a messaging system (\(m.joined(separator: ", "))) and it has no members"
    }
}
