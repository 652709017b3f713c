/// Deterministic pseudo-random strings for property tests: a 64-bit linear congruential generator
/// (Knuth's MMIX constants) from a fixed seed, so a failing input is reproducible. Each string's
/// length is the state's top bits (`state >> lengthShift`), each character picked from `alphabet`.
public func pseudoRandomStrings(over alphabet: [Character], count: Int, lengthShift: UInt64, seed: UInt64) -> [String] {
    precondition(!alphabet.isEmpty && lengthShift > 0 && lengthShift < 64)
    var state = seed
    func next() -> UInt64 {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return state
    }
    var out: [String] = []
    out.reserveCapacity(count)
    for _ in 0..<count {
        let len = Int(next() >> lengthShift)
        var s = ""
        for _ in 0..<len { s.append(alphabet[Int(next() >> 33) % alphabet.count]) }
        out.append(s)
    }
    return out
}
