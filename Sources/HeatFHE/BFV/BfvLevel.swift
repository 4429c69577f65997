import Foundation

/// One level of the modulus chain: the ciphertext moduli `q_0 ... q_(l-1)` that remain after
/// switching down `L - l` times, with what decryption and key switching need there.
///
/// Level `L` (every ciphertext modulus) is where fresh ciphertexts live; each modulus switch
/// (``BfvEvaluator/switchingModulusDown(_:)``) drops the last prime and moves one level down.
/// Levels are built on first use and cached in their ``BfvContext``.
final class BfvLevel<T: ScalarType>: Sendable {
    /// The number of ciphertext moduli at this level.
    let count: Int
    /// The ring `q_0 ... q_(l-1)`.
    let ring: RnsContext<T>
    /// The ring `q_0 ... q_(l-1), p` of key switching (the special prime last), or `nil` without one.
    let keySwitchRing: RnsContext<T>?
    /// Decryption's scale-and-round for ``ring``.
    let scaleAndRound: BfvScaleAndRound<T>
    /// The temporaries of key switching at this level (``BfvKeySwitchingKey/switchKey(_:in:)``),
    /// lent to one operation at a time.
    let keySwitchScratch = ScratchPool<T>()

    init(context: BfvContext<T>, count: Int) throws(FHEError) {
        let plans = context.keyContext.plans
        let ciphertextCount = context.ciphertextContext.count
        self.count = count
        self.ring =
            count == ciphertextCount
            ? context.ciphertextContext : try RnsContext(degree: context.degree, plans: Array(plans.prefix(count)))
        if context.parameters.specialModulus != nil, let special = plans.last {
            self.keySwitchRing =
                count == ciphertextCount
                ? context.keyContext : try RnsContext(degree: context.degree, plans: Array(plans.prefix(count)) + [special])
        } else {
            self.keySwitchRing = nil
        }
        self.scaleAndRound =
            count == ciphertextCount
            ? context.scaleAndRound : BfvScaleAndRound(ring: ring, plaintextModulus: context.parameters.plaintextModulus)
    }
}

/// The per-context cache of modulus-chain levels and multiplication bases (thread-safe; built
/// lazily because most users of a context never multiply two ciphertexts or switch modulus).
final class BfvDerivedCache<T: ScalarType>: @unchecked Sendable {
    private let lock = NSLock()
    private var levels: [Int: BfvLevel<T>] = [:]
    private var tensorings: [Int: BfvTensoring<T>] = [:]
    private var noiseMeters: [Int: BfvNoiseMeter<T>] = [:]

    init() {}

    func level(_ count: Int, of context: BfvContext<T>) throws(FHEError) -> BfvLevel<T> {
        lock.lock()
        defer { lock.unlock() }
        if let level = levels[count] { return level }
        let level = try BfvLevel(context: context, count: count)
        levels[count] = level
        return level
    }

    /// The noise meter of level `count` (the key holder's one-pass decryption, session 39).
    func noiseMeter(_ count: Int, of context: BfvContext<T>) throws(FHEError) -> BfvNoiseMeter<T> {
        let level = try self.level(count, of: context)
        lock.lock()
        defer { lock.unlock() }
        if let meter = noiseMeters[count] { return meter }
        let meter = BfvNoiseMeter(ring: level.ring, plaintextModulus: context.parameters.plaintextModulus)
        noiseMeters[count] = meter
        return meter
    }

    func tensoring(_ count: Int, of context: BfvContext<T>) throws(FHEError) -> BfvTensoring<T> {
        let level = try self.level(count, of: context)
        lock.lock()
        defer { lock.unlock() }
        if let tensoring = tensorings[count] { return tensoring }
        let tensoring = try BfvTensoring(context: context, level: level)
        tensorings[count] = tensoring
        return tensoring
    }
}

extension BfvContext {
    /// The number of ciphertext moduli of fresh ciphertexts (the top level `L`).
    public var topLevel: Int { ciphertextContext.count }

    /// The level with `count` ciphertext moduli (`1 ... L`).
    func level(_ count: Int) throws(FHEError) -> BfvLevel<T> {
        guard (1...topLevel).contains(count) else {
            throw .parameterMismatch("level \(count) does not exist; levels are 1...\(topLevel)")
        }
        return try derived.level(count, of: self)
    }

    /// The level of a ring whose moduli are a prefix of the ciphertext moduli, or `nil`.
    func levelCount(of ring: RnsContext<T>) -> Int? {
        guard ring.degree == degree, ring.count <= topLevel,
            Array(ciphertextContext.moduliValues.prefix(ring.count)) == ring.moduliValues
        else { return nil }
        return ring.count
    }
}

extension Ciphertext {
    /// The ciphertext's level: how many ciphertext moduli its polynomials still have (`L` when
    /// fresh, one less after each ``BfvEvaluator/switchingModulusDown(_:)``).
    public var level: Int { polynomials[0].context.count }

    /// The moduli the ciphertext's polynomials are reduced by (a prefix of the ciphertext moduli).
    public var moduli: [UInt64] { polynomials[0].context.moduliValues.map { UInt64($0) } }
}
