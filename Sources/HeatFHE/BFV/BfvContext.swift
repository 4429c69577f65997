import HeatEnvelope

/// Validated BFV parameters with every precomputation: the key-level and ciphertext-level rings,
/// the scaling factor `Delta = floor(Q / t)`, and (when `t` allows it) the plaintext NTT for batching.
///
/// A context is built once and shared (it is an immutable `final class`); keys, plaintexts and
/// ciphertexts hold a reference to it and operations check that their operands share parameters.
/// `T` must match ``BfvParameters/scalarWidth`` (`UInt32` for `.bits32`, `UInt64` for `.bits64`).
///
/// ```swift
/// let context = try BfvContext<UInt32>(parameters: BfvParameters(preset: "n4096-logq109-logt17"))
/// let secretKey = SecretKey(context: context)
/// let publicKey = PublicKey(secretKey: secretKey)
/// ```
public final class BfvContext<T: ScalarType>: Sendable {
    /// The parameters (validated).
    public let parameters: BfvParameters
    /// The ring of keys: every ciphertext modulus, then the special prime.
    public let keyContext: RnsContext<T>
    /// The ring of fresh ciphertexts (the key level without the special prime).
    public let ciphertextContext: RnsContext<T>
    /// The plaintext modulus `t`.
    public let plaintextModulus: Modulus<T>
    /// The NTT of `Z_t[X]/(X^N + 1)` used by batching, or `nil` when `t` does not support it.
    public let plaintextPlan: NTTPlan<T>?
    /// The same plaintext NTT on 32-bit words, when `T` is 64-bit and `t < 2^30` (the n8192 preset):
    /// the same root and output order, but cheaper multiplications that the compiler vectorizes.
    let plaintextPlanNarrow: NTTPlan<UInt32>?
    /// `Delta = floor(Q / t)` modulo each ciphertext modulus.
    let deltaResidues: [T]
    /// `Q mod t` (the rounding correction of ``Plaintext/scaledToCiphertext()``).
    let modulusResidueOfT: UInt64
    /// The RNS scale-and-round of decryption, `round(t * x / Q) mod t`.
    let scaleAndRound: BfvScaleAndRound<T>
    /// Slot `i` of the batch encoder sits at position `slotToPosition[i]` of the plaintext NTT.
    let slotToPosition: [Int]
    /// SHA-256 of the canonical parameters.
    public let fingerprint: Fingerprint
    /// Lower levels of the modulus chain and multiplication bases, built on first use.
    let derived = BfvDerivedCache<T>()

    /// Validates the parameters and precomputes.
    ///
    /// - Parameter parameters: the parameters; their ``BfvParameters/scalarWidth`` must match `T`.
    /// - Throws: ``FHEError`` when validation fails (insecure parameters are refused unless marked
    ///   ``BfvParameters/SecurityLevel/insecureForTesting``).
    @_specialize(where T == UInt32)
    @_specialize(where T == UInt64)
    public convenience init(parameters: BfvParameters) throws(FHEError) {
        try self.init(parameters: parameters, nttKernel: NTTKernel.selected)
    }

    /// Validates the parameters and precomputes, with NTT plans of an explicit kernel: the tests
    /// run the BFV operations of one build on both kernels (``NTTPlan/kernel``). Every context the
    /// library builds uses ``NTTKernel/selected``.
    ///
    /// - Parameters:
    ///   - parameters: the parameters; their ``BfvParameters/scalarWidth`` must match `T`.
    ///   - nttKernel: the kernel of every 64-bit NTT of this context (multiplication bases included).
    /// - Throws: as ``init(parameters:)``.
    init(parameters: BfvParameters, nttKernel: NTTKernel) throws(FHEError) {
        FHESpecialization.note(T.self, "BfvContext.init")
        try parameters.validate()
        guard T.bitWidth == Int(parameters.scalarWidth.rawValue) else {
            throw .invalidParameters(
                "scalarWidth \(parameters.scalarWidth.rawValue) does not match the \(T.bitWidth)-bit context type")
        }
        let n = parameters.degree
        self.parameters = parameters
        self.keyContext = try RnsContext<T>(degree: n, moduli: parameters.keyModuli.map { T($0) }, kernel: nttKernel)
        self.ciphertextContext =
            parameters.specialModulus == nil
            ? keyContext
            : try RnsContext<T>(degree: n, moduli: parameters.ciphertextModuli.map { T($0) }, kernel: nttKernel)
        let t = parameters.plaintextModulus
        self.plaintextModulus = try Modulus<T>(T(t))
        let delta = ciphertextContext.modulusProduct / BigInt(t)
        self.deltaResidues = ciphertextContext.moduliValues.map { T(delta.residue(modulo: UInt64($0))) }
        self.modulusResidueOfT = ciphertextContext.modulusProduct.residue(modulo: t)
        self.scaleAndRound = BfvScaleAndRound(ring: ciphertextContext, plaintextModulus: t)
        if parameters.supportsBatching {
            self.plaintextPlan = try NTTPlan<T>(degree: n, modulus: T(t), kernel: nttKernel)
            self.plaintextPlanNarrow =
                T.bitWidth > 32 && t < (1 << UInt32.maxModulusBits)
                ? try NTTPlan<UInt32>(degree: n, modulus: UInt32(t)) : nil
        } else {
            self.plaintextPlan = nil
            self.plaintextPlanNarrow = nil
        }
        self.slotToPosition = Self.slotMap(degree: n)
        self.fingerprint = parameters.fingerprint
    }

    /// The degree `N`.
    public var degree: Int { parameters.degree }

    /// The SEAL-compatible slot order: for `i < N/2`, slot `i` holds `m(psi^(3^i mod 2N))` and slot
    /// `N/2 + i` holds `m(psi^(-3^i mod 2N))`, so a later rotation by the Galois element `3`
    /// rotates each half (a 2 x N/2 matrix) by one.
    ///
    /// - Parameter degree: `N`.
    /// - Returns: the NTT output position of each slot.
    static func slotMap(degree n: Int) -> [Int] {
        let logN = n.trailingZeroBitCount
        let twoN = 2 * n
        var map = [Int](repeating: 0, count: n)
        var power = 1
        for i in 0..<(n / 2) {
            let index1 = (power - 1) / 2
            let index2 = (twoN - power - 1) / 2
            map[i] = NTTPlan<T>.bitReverse(index1, bits: logN)
            map[n / 2 + i] = NTTPlan<T>.bitReverse(index2, bits: logN)
            power = power * 3 % twoN
        }
        return map
    }

    /// The exponent `e` with slot `index` holding `m(psi^e)` (see ``slotMap(degree:)``).
    ///
    /// - Parameter index: a slot index below `N`.
    /// - Returns: the odd exponent in `[1, 2N)`.
    public func slotExponent(_ index: Int) -> Int {
        let n = degree
        var power = 1
        for _ in 0..<(index % (n / 2)) { power = power * 3 % (2 * n) }
        return index < n / 2 ? power : 2 * n - power
    }

    /// Checks that another object was made for these parameters.
    ///
    /// - Parameters:
    ///   - other: the other object's context.
    ///   - what: a name for the message.
    /// - Throws: ``FHEError/parameterMismatch(_:)``.
    func requireSame(_ other: BfvContext<T>, _ what: String) throws(FHEError) {
        guard self === other || parameters == other.parameters else {
            throw .parameterMismatch("\(what) was made for \(other.parameters.name), expected \(parameters.name)")
        }
    }
}
