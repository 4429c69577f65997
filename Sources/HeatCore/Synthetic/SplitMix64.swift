import HeatML

/// SplitMix64 (Steele, Lea and Flood, 2014): HeatCore's name for HeatML's ``SeededGenerator``,
/// the one seeded generator of both modules, whose output depends only on its seed, so synthetic
/// data is the same on every machine.
///
/// Not for secrets. Draw helpers use only integer operations and exact floating-point
/// conversions, and never the standard library's `random(in:using:)` or `shuffled(using:)`.
///
/// ```swift
/// var rng = SplitMix64(seed: 42)
/// let a = rng.next()            // the same on every machine
/// let die = rng.below(6) + 1    // 1...6
/// let u = rng.unitInterval()    // [0, 1)
/// ```
public typealias SplitMix64 = SeededGenerator
