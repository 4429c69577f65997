/// Galois keys: one ``BfvKeySwitchingKey`` from `s(X^g)` to `s` per Galois element `g`, which
/// let the evaluator rotate the rows of slots and swap the two rows
/// (``BfvEvaluator/rotatingSlots(_:by:using:)``, ``BfvEvaluator/swappingRows(_:using:)``).
///
/// The default set (``defaultSteps(degree:)``) holds the rotations by every power of two in both
/// directions (`+-1, +-2, ..., +-N/4`) and the row swap: `2 log2(N) - 1` keys, enough to rotate
/// by any step with at most `log2(N) - 1` key switches and to sum all slots. Choose fewer steps
/// to save space (a key is `2 L (L+1) N` words). Public; stored as an `fheGaloisKeys` file.
///
/// ```swift
/// let galoisKeys = try BfvGaloisKeys(secretKey: secretKey)                  // default steps + row swap
/// let some = try BfvGaloisKeys(secretKey: secretKey, steps: [1, 8], rowSwap: false)
/// ```
public struct BfvGaloisKeys<T: ScalarType>: Sendable {
    /// The parameters.
    public let context: BfvContext<T>
    /// The keys by Galois element.
    let keys: [Int: BfvKeySwitchingKey<T>]

    /// The Galois elements the keys are for, ascending.
    public var elements: [Int] { keys.keys.sorted() }

    /// The rotation steps (left, in `[1, N/2)`) available directly, sorted. Computed once when
    /// the keys are made or loaded (each element's discrete logarithm takes up to `N/2` steps,
    /// which ``rotationPlan(for:)`` used to repeat on every rotation).
    public let rotationSteps: [Int]

    /// The sorted nonzero rotation steps of `elements`.
    static func rotationSteps(of elements: some Sequence<Int>, degree: Int) -> [Int] {
        elements.compactMap { GaloisElement.rotationStep(of: $0, degree: degree) }.filter { $0 != 0 }.sorted()
    }

    /// Whether the row swap is available.
    public var hasRowSwap: Bool { keys[GaloisElement.rowSwap(degree: context.degree)] != nil }

    /// The default rotation steps: `+-1, +-2, +-4, ..., +-N/4`.
    ///
    /// - Parameter degree: `N`.
    /// - Returns: the steps, positive first.
    public static func defaultSteps(degree: Int) -> [Int] {
        var steps: [Int] = []
        var step = 1
        while step <= degree / 4 {
            steps.append(step)
            step <<= 1
        }
        return steps + steps.map { -$0 }
    }

    /// Generates Galois keys (system CSPRNG).
    ///
    /// - Parameters:
    ///   - secretKey: the secret key.
    ///   - steps: the rotation steps (default ``defaultSteps(degree:)``); negative steps rotate right.
    ///   - rowSwap: whether to include the row swap (default `true`).
    /// - Throws: ``FHEError/invalidParameters(_:)`` when the parameters have no special prime.
    @_specialize(where T == UInt32)
    @_specialize(where T == UInt64)
    public init(secretKey: SecretKey<T>, steps: [Int]? = nil, rowSwap: Bool = true) throws(FHEError) {
        var random = SecureRandom()
        try self.init(secretKey: secretKey, steps: steps, rowSwap: rowSwap, using: &random)
    }

    /// Generates Galois keys with the given generator.
    ///
    /// - Parameters:
    ///   - secretKey: the secret key.
    ///   - steps: the rotation steps (default ``defaultSteps(degree:)``).
    ///   - rowSwap: whether to include the row swap.
    ///   - random: the CSPRNG.
    /// - Throws: ``FHEError/invalidParameters(_:)`` when the parameters have no special prime.
    @_specialize(where T == UInt32)
    @_specialize(where T == UInt64)
    public init(secretKey: SecretKey<T>, steps: [Int]? = nil, rowSwap: Bool = true, using random: inout SecureRandom)
        throws(FHEError)
    {
        FHESpecialization.note(T.self, "BfvGaloisKeys.init")
        let context = secretKey.context
        let n = context.degree
        var elements = Set((steps ?? Self.defaultSteps(degree: n)).map { GaloisElement.rotation(by: $0, degree: n) })
        elements.remove(1)
        if rowSwap { elements.insert(GaloisElement.rowSwap(degree: n)) }
        // The only use of the secret: s (borrowed) and s(X^g) (temporaries, wiped) in evaluation
        // form at the key level.
        let keys = try secretKey.withSecretPolynomial {
            (s: PolyRq<T, Eval>) throws(FHEError) -> [Int: BfvKeySwitchingKey<T>] in
            var keys: [Int: BfvKeySwitchingKey<T>] = [:]
            for g in elements.sorted() {
                var target = s.applyingGalois(element: g)
                defer { target.wipe() }
                keys[g] = try BfvKeySwitchingKey(context: context, secret: s, target: target, using: &random)
            }
            return keys
        }
        self.context = context
        self.keys = keys
        self.rotationSteps = Self.rotationSteps(of: keys.keys, degree: context.degree)
    }

    /// Galois keys from loaded key-switching keys.
    init(context: BfvContext<T>, keys: [Int: BfvKeySwitchingKey<T>]) {
        self.context = context
        self.keys = keys
        self.rotationSteps = Self.rotationSteps(of: keys.keys, degree: context.degree)
    }

    /// The shortest sequence of available left rotations (each in `[1, N/2)`) adding up to
    /// `step mod N/2`, found by breadth-first search over the rotation group; `nil` if the keys
    /// cannot compose it.
    ///
    /// - Parameter step: the requested rotation (negative: right).
    /// - Returns: the Galois elements to apply in order (empty for a multiple of `N/2`).
    public func rotationPlan(for step: Int) -> [Int]? {
        let rowSize = context.degree / 2
        let target = ((step % rowSize) + rowSize) % rowSize
        if target == 0 { return [] }
        let available = rotationSteps
        // A step with its own key: the one-element plan (the search below finds the same).
        if available.contains(target) { return [GaloisElement.rotation(by: target, degree: context.degree)] }
        var previous = [Int](repeating: -1, count: rowSize)
        var via = [Int](repeating: 0, count: rowSize)
        previous[0] = 0
        var queue = [0]
        var head = 0
        while head < queue.count {
            let node = queue[head]
            head += 1
            if node == target { break }
            for r in available {
                let next = (node + r) % rowSize
                if previous[next] == -1 {
                    previous[next] = node
                    via[next] = r
                    queue.append(next)
                }
            }
        }
        guard previous[target] != -1 else { return nil }
        var plan: [Int] = []
        var node = target
        while node != 0 {
            plan.append(GaloisElement.rotation(by: via[node], degree: context.degree))
            node = previous[node]
        }
        return plan.reversed()
    }
}
