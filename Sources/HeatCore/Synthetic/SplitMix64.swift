/// SplitMix64 (Steele, Lea and Flood, 2014): a tiny, fast, seedable pseudo-random generator
/// whose output depends only on its seed, so synthetic data is the same on every machine.
///
/// Not for secrets. Draw helpers use only integer operations and exact floating-point
/// conversions (no library functions that could round differently between platforms), and do
/// not rely on the standard library's `random(in:using:)` algorithms, which may change.
///
/// ```swift
/// var rng = SplitMix64(seed: 42)
/// let a = rng.next()            // the same on every machine
/// let die = rng.below(6) + 1    // 1...6
/// let u = rng.unitInterval()    // [0, 1)
/// ```
public struct SplitMix64: RandomNumberGenerator, Sendable, Hashable {
    /// The generator's state.
    public private(set) var state: UInt64

    /// Creates a generator from a seed.
    ///
    /// - Parameter seed: any 64-bit value.
    public init(seed: UInt64) { state = seed }

    /// Creates an independent stream for a sub-object (a client, a manager) of a seed.
    ///
    /// - Parameters:
    ///   - seed: the run's seed.
    ///   - stream: the sub-object's number.
    public init(seed: UInt64, stream: UInt64) {
        var mixer = SplitMix64(seed: seed ^ (stream &* 0xD1B5_4A32_D192_ED03))
        state = mixer.next() ^ stream
    }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniform integer in `0 ..< bound` (rejection sampling, no modulo bias).
    ///
    /// - Parameter bound: the exclusive upper bound; 0 returns 0.
    public mutating func below(_ bound: Int) -> Int {
        guard bound > 1 else { return 0 }
        let n = UInt64(bound)
        let limit = UInt64.max - UInt64.max % n
        while true {
            let value = next()
            if value < limit { return Int(value % n) }
        }
    }

    /// A uniform `Double` in `[0, 1)` from the top 53 bits.
    public mutating func unitInterval() -> Double { Double(next() >> 11) * 0x1.0p-53 }

    /// `true` with probability `p`.
    ///
    /// - Parameter p: the probability, in `[0, 1]`.
    public mutating func chance(_ p: Double) -> Bool { unitInterval() < p }

    /// An index drawn with probability proportional to `weights`.
    ///
    /// - Parameter weights: non-negative weights, not all zero.
    /// - Returns: an index of `weights`.
    public mutating func pick(weights: [Double]) -> Int {
        let total = weights.reduce(0, +)
        var target = unitInterval() * total
        for (index, weight) in weights.enumerated() {
            if target < weight { return index }
            target -= weight
        }
        return weights.count - 1
    }
}
