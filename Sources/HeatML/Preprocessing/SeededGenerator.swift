/// The one seeded pseudo-random generator of HeatML and HeatCore: SplitMix64 (Steele, Lea and
/// Flood, 2014), whose output depends only on its seed, so shuffles, fold assignments,
/// subsamples, synthetic banks and scenarios are the same on every machine.
///
/// Every random choice is made by the generator's own helpers (``below(_:)``,
/// ``bounded(_:)``, ``unitInterval()``, ``shuffle(_:)``), never by the standard library's
/// `shuffled(using:)` or `random(in:using:)`, whose algorithms are not part of Swift's stable
/// contract. HeatCore names the same type `SplitMix64`. Not for secrets.
///
/// ```swift
/// var generator = SeededGenerator(seed: 42)
/// let order = generator.shuffled(Array(0..<10))   // pinned: the same on every platform
/// let die = generator.below(6) + 1               // 1...6
/// ```
public struct SeededGenerator: RandomNumberGenerator, Sendable, Hashable {
    /// The generator's state.
    public private(set) var state: UInt64

    /// Creates a generator from a seed.
    ///
    /// - Parameter seed: any 64-bit value; equal seeds give equal sequences.
    public init(seed: UInt64) { state = seed }

    /// Creates an independent stream for a sub-object (a client, a manager) of a seed.
    ///
    /// - Parameters:
    ///   - seed: the run's seed.
    ///   - stream: the sub-object's number.
    public init(seed: UInt64, stream: UInt64) {
        var mixer = SeededGenerator(seed: seed ^ (stream &* 0xD1B5_4A32_D192_ED03))
        state = mixer.next() ^ stream
    }

    /// The next 64 random bits.
    ///
    /// - Returns: a uniformly distributed `UInt64`.
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniform `Double` in [0, 1) from the top 53 bits.
    ///
    /// - Returns: 53 random bits scaled to [0, 1).
    public mutating func unitInterval() -> Double { Double(next() >> 11) * 0x1.0p-53 }

    /// A uniform `Double` in [0, 1); the same draw as ``unitInterval()``.
    ///
    /// - Returns: 53 random bits scaled to [0, 1).
    public mutating func nextUnit() -> Double { unitInterval() }

    /// A uniform integer in `0 ..< bound` by rejection on the remainder (no modulo bias).
    ///
    /// - Parameter bound: the exclusive upper bound; 0 or 1 returns 0.
    /// - Returns: the draw.
    public mutating func below(_ bound: Int) -> Int {
        guard bound > 1 else { return 0 }
        let n = UInt64(bound)
        let limit = UInt64.max - UInt64.max % n
        while true {
            let value = next()
            if value < limit { return Int(value % n) }
        }
    }

    /// A uniform integer in `0 ..< bound` by Lemire's multiply-and-reject method, the draw
    /// ``shuffle(_:)`` uses (written here so that results never depend on the standard library).
    ///
    /// - Parameter bound: the exclusive upper bound; 0 returns 0.
    /// - Returns: the draw.
    public mutating func bounded(_ bound: UInt64) -> UInt64 {
        guard bound > 0 else { return 0 }
        var product = next().multipliedFullWidth(by: bound)
        if product.low < bound {
            let threshold = (0 &- bound) % bound
            while product.low < threshold { product = next().multipliedFullWidth(by: bound) }
        }
        return product.high
    }

    /// `true` with probability `p`.
    ///
    /// - Parameter p: the probability, in `[0, 1]`.
    /// - Returns: the draw.
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

    /// Shuffles `elements` in place (Fisher-Yates from the front, drawing with ``bounded(_:)``).
    ///
    /// - Parameter elements: the array to shuffle.
    public mutating func shuffle<Element>(_ elements: inout [Element]) {
        guard elements.count > 1 else { return }
        var remaining = elements.count
        var current = 0
        while remaining > 1 {
            let offset = Int(truncatingIfNeeded: bounded(UInt64(remaining)))
            remaining -= 1
            elements.swapAt(current, current + offset)
            current += 1
        }
    }

    /// A shuffled copy of `elements` (see ``shuffle(_:)``).
    ///
    /// - Parameter elements: the elements.
    /// - Returns: them in a seeded random order.
    public mutating func shuffled<S: Sequence>(_ elements: S) -> [S.Element] {
        var array = Array(elements)
        shuffle(&array)
        return array
    }
}
