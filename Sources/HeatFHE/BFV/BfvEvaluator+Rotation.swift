/// Galois automorphisms of ciphertexts: slot rotations, the row swap, and the sums built on them.
///
/// Batch slots form a `2 x N/2` matrix. ``rotatingSlots(_:by:using:)`` rotates both rows left by
/// a step (SEAL: `rotate_rows`; Apple: `rotateColumns`), ``swappingRows(_:using:)`` exchanges the
/// rows (SEAL: `rotate_columns`; Apple: `swapRows`). The libraries use opposite words for the same
/// operations; HeatFHE names them for what they do.
///
/// For aggregates (group sums of the encrypted pipeline):
/// - ``sumOfSlots(_:using:)``: every slot holds the sum of all `N` slots.
/// - ``segmentedSums(_:blockSize:using:)``: slot `b * B` holds the sum of the contiguous block
///   `b*B ..< (b+1)*B` (other slots zero) -- contiguous groups, such as clients sorted by branch.
/// - ``innerProduct(_:_:using:)``: every slot holds `sum_i w_i * x_i` for a plaintext weight
///   vector `w` -- a masked sum when `w` is 0/1, the shape of a group that is not contiguous
///   (a segment cutting across branches).
///
/// ```swift
/// let galoisKeys = try BfvGaloisKeys(secretKey: secretKey)
/// let left3 = try evaluator.rotatingSlots(ciphertext, by: 3, using: galoisKeys)
/// let total = try evaluator.sumOfSlots(ciphertext, using: galoisKeys)          // slot 0 = sum
/// let group = try evaluator.innerProduct(ciphertext, mask, using: galoisKeys)   // slot 0 = masked sum
/// ```
extension BfvEvaluator {
    /// Applies `X -> X^g` to a two-polynomial ciphertext and switches the key back to `s`.
    ///
    /// - Parameters:
    ///   - ciphertext: a two-polynomial ciphertext.
    ///   - element: an odd Galois element with a key in `keys`.
    ///   - keys: the Galois keys.
    /// - Returns: an encryption of `m(X^g)`.
    /// - Throws: ``FHEError/missingEvaluationKey(_:)`` without a key for `element`;
    ///   ``FHEError/parameterMismatch(_:)`` for other parameters or a three-polynomial ciphertext.
    @_specialize(where T == UInt32)
    @_specialize(where T == UInt64)
    public func applyingGalois(_ ciphertext: Ciphertext<T>, element: Int, using keys: BfvGaloisKeys<T>) throws(FHEError)
        -> Ciphertext<T>
    {
        FHESpecialization.note(T.self, "BfvEvaluator.applyingGalois")
        try context.requireSame(ciphertext.context, "the ciphertext")
        try context.requireSame(keys.context, "the Galois keys")
        guard ciphertext.polynomials.count == 2 else {
            throw .parameterMismatch(
                "Galois automorphisms take two-polynomial ciphertexts; relinearize the \(ciphertext.polynomials.count)-polynomial one first")
        }
        if element == 1 { return ciphertext }
        guard let key = keys.keys[element] else {
            throw .missingEvaluationKey("no Galois key for element \(element)")
        }
        let level = try context.level(ciphertext.level)
        let (k0, k1) = try key.switchKey(ciphertext.polynomials[1].applyingGalois(element: element), in: level)
        var c0 = ciphertext.polynomials[0].applyingGalois(element: element)
        c0 += k0   // in place: the automorphism's output is fresh
        var out = ciphertext
        out.polynomials = [c0, k1]
        return out
    }

    /// Rotates each row of slots left by `step` (right when negative), composing the available
    /// Galois keys (shortest plan, ``BfvGaloisKeys/rotationPlan(for:)``).
    /// SEAL: `rotate_rows`; Apple's swift-homomorphic-encryption: `rotateColumns`.
    ///
    /// Slot `i` of row `r` of the result holds slot `(i + step) mod N/2` of row `r` of the input.
    ///
    /// - Parameters:
    ///   - ciphertext: a batch-encoded two-polynomial ciphertext.
    ///   - step: the rotation; any integer (reduced modulo `N/2`).
    ///   - keys: Galois keys from which the step can be composed.
    /// - Returns: the rotated ciphertext (all `N` slots are values).
    /// - Throws: ``FHEError/missingEvaluationKey(_:)`` when the keys cannot compose `step`.
    @_specialize(where T == UInt32)
    @_specialize(where T == UInt64)
    public func rotatingSlots(_ ciphertext: Ciphertext<T>, by step: Int, using keys: BfvGaloisKeys<T>) throws(FHEError)
        -> Ciphertext<T>
    {
        FHESpecialization.note(T.self, "BfvEvaluator.rotatingSlots")
        try requireBatch(ciphertext, "rotating slots")
        guard let plan = keys.rotationPlan(for: step) else {
            throw .missingEvaluationKey(
                "the Galois keys (steps \(keys.rotationSteps.map(String.init).joined(separator: ", "))) cannot compose a rotation by \(step)")
        }
        var out = ciphertext
        for element in plan { out = try applyingGalois(out, element: element, using: keys) }
        out.valueCount = context.degree
        return out
    }

    /// Exchanges the two rows of slots (slot `i` and slot `N/2 + i`).
    /// SEAL: `rotate_columns`; Apple's swift-homomorphic-encryption: `swapRows`.
    ///
    /// - Parameters:
    ///   - ciphertext: a batch-encoded two-polynomial ciphertext.
    ///   - keys: Galois keys holding the row swap.
    /// - Returns: the ciphertext with its rows exchanged.
    /// - Throws: ``FHEError/missingEvaluationKey(_:)`` without the row-swap key.
    @_specialize(where T == UInt32)
    @_specialize(where T == UInt64)
    public func swappingRows(_ ciphertext: Ciphertext<T>, using keys: BfvGaloisKeys<T>) throws(FHEError) -> Ciphertext<T> {
        FHESpecialization.note(T.self, "BfvEvaluator.swappingRows")
        try requireBatch(ciphertext, "swapping rows")
        guard keys.hasRowSwap else { throw .missingEvaluationKey("the Galois keys have no row-swap key") }
        var out = try applyingGalois(ciphertext, element: GaloisElement.rowSwap(degree: context.degree), using: keys)
        out.valueCount = context.degree
        return out
    }

    /// The sum of all `N` slots, in every slot (rotate-and-add: `log2(N) - 1` rotations by
    /// `1, 2, ..., N/4` and one row swap). Decrypting gives the total in slot 0; the result's
    /// value count is 1, so decoding returns `[total]`.
    ///
    /// The sum is taken modulo `t`: choose a preset whose ``BfvParameters/sumBound`` covers it
    /// (``BfvParameters/preset(forSumBound:)``).
    ///
    /// - Parameters:
    ///   - ciphertext: a batch-encoded two-polynomial ciphertext.
    ///   - keys: Galois keys composing `1, 2, ..., N/4` and holding the row swap (the default set).
    /// - Returns: an encryption of the total in every slot.
    /// - Throws: ``FHEError/missingEvaluationKey(_:)`` when a needed key is missing.
    @_specialize(where T == UInt32)
    @_specialize(where T == UInt64)
    public func sumOfSlots(_ ciphertext: Ciphertext<T>, using keys: BfvGaloisKeys<T>) throws(FHEError) -> Ciphertext<T> {
        FHESpecialization.note(T.self, "BfvEvaluator.sumOfSlots")
        var sum = try sumWithinRows(ciphertext, blockSize: context.degree / 2, using: keys)
        sum = try add(sum, swappingRows(sum, using: keys))
        sum.valueCount = 1
        return sum
    }

    /// Sums over contiguous blocks of `blockSize` slots: slot `b * blockSize` of the result holds
    /// the sum of slots `b * blockSize ..< (b + 1) * blockSize`, every other slot is zero (a mask
    /// clears the partial sums, so decryption reveals the block sums only).
    ///
    /// `blockSize` is a power of two up to `N/2` (blocks then never cross the two rows) or `N`
    /// (the total, as ``sumOfSlots(_:using:)`` but only in slot 0).
    ///
    /// - Parameters:
    ///   - ciphertext: a batch-encoded two-polynomial ciphertext at the top level.
    ///   - blockSize: the block length `B`.
    ///   - keys: Galois keys composing `1, 2, ..., B/2` (and the row swap for `B = N`).
    /// - Returns: the block sums at each block's first slot.
    /// - Throws: ``FHEError/invalidInput(source:reason:)`` for a bad block size;
    ///   ``FHEError/missingEvaluationKey(_:)`` when a key is missing.
    @_specialize(where T == UInt32)
    @_specialize(where T == UInt64)
    public func segmentedSums(_ ciphertext: Ciphertext<T>, blockSize: Int, using keys: BfvGaloisKeys<T>) throws(FHEError)
        -> Ciphertext<T>
    {
        FHESpecialization.note(T.self, "BfvEvaluator.segmentedSums")
        let n = context.degree
        guard blockSize > 0, blockSize.nonzeroBitCount == 1, blockSize <= n else {
            throw .invalidInput(
                source: "segmentedSums", reason: "blockSize \(blockSize) must be a power of two from 1 to N=\(n)")
        }
        var sums = try
            (blockSize == n
            ? sumOfSlots(ciphertext, using: keys) : sumWithinRows(ciphertext, blockSize: blockSize, using: keys))
        let mask = (0..<n).map { UInt64($0 % blockSize == 0 ? 1 : 0) }
        let plaintext = try BfvEncoder(context: context).encode(unsigned: mask, encoding: .batch)
        sums = try multiply(sums, BfvPreparedPlaintext(plaintext, level: sums.level))
        sums.valueCount = n
        return sums
    }

    /// The inner product of the slots with a plaintext vector, in every slot: `sum_i w_i * x_i mod t`.
    /// With 0/1 weights it is the masked sum over any (not necessarily contiguous) group of slots.
    /// The result's value count is 1, so decoding returns `[sum]`.
    ///
    /// - Parameters:
    ///   - ciphertext: a batch-encoded two-polynomial ciphertext.
    ///   - weights: a batch-encoded plaintext `w` (for example a 0/1 group mask).
    ///   - keys: Galois keys for ``sumOfSlots(_:using:)``.
    /// - Returns: an encryption of the inner product in every slot.
    /// - Throws: as ``multiply(_:_:)-(Ciphertext<T>,Plaintext<T>)`` and ``sumOfSlots(_:using:)``.
    @_specialize(where T == UInt32)
    @_specialize(where T == UInt64)
    public func innerProduct(_ ciphertext: Ciphertext<T>, _ weights: Plaintext<T>, using keys: BfvGaloisKeys<T>)
        throws(FHEError) -> Ciphertext<T>
    {
        FHESpecialization.note(T.self, "BfvEvaluator.innerProduct")
        return try innerProduct(ciphertext, BfvPreparedPlaintext(weights, level: ciphertext.level), using: keys)
    }

    /// The inner product with a prepared weight vector (prepare once, use for many ciphertexts).
    ///
    /// - Parameters:
    ///   - ciphertext: a batch-encoded two-polynomial ciphertext.
    ///   - weights: the prepared batch-encoded weights, at the ciphertext's level.
    ///   - keys: Galois keys for ``sumOfSlots(_:using:)``.
    /// - Returns: an encryption of `sum_i w_i * x_i mod t` in every slot.
    /// - Throws: as ``multiply(_:_:)-(Ciphertext<T>,BfvPreparedPlaintext<T>)`` and ``sumOfSlots(_:using:)``.
    @_specialize(where T == UInt32)
    @_specialize(where T == UInt64)
    public func innerProduct(
        _ ciphertext: Ciphertext<T>, _ weights: BfvPreparedPlaintext<T>, using keys: BfvGaloisKeys<T>
    ) throws(FHEError) -> Ciphertext<T> {
        FHESpecialization.note(T.self, "BfvEvaluator.innerProduct(prepared)")
        try requireBatch(ciphertext, "an inner product")
        return try sumOfSlots(multiply(ciphertext, weights), using: keys)
    }

    /// Rotate-and-add by `1, 2, ..., blockSize/2`: slot `i` gets the sum of slots `i ..< i + blockSize` of its row.
    func sumWithinRows(_ ciphertext: Ciphertext<T>, blockSize: Int, using keys: BfvGaloisKeys<T>) throws(FHEError)
        -> Ciphertext<T>
    {
        try requireBatch(ciphertext, "summing slots")
        var sum = ciphertext
        var step = 1
        while step < blockSize {
            sum = try add(sum, rotatingSlots(sum, by: step, using: keys))
            step <<= 1
        }
        return sum
    }

    func requireBatch(_ ciphertext: Ciphertext<T>, _ what: String) throws(FHEError) {
        try context.requireSame(ciphertext.context, "the ciphertext")
        guard ciphertext.encoding == .batch else {
            throw .parameterMismatch("\(what) needs a batch-encoded ciphertext, this one is coefficient-encoded")
        }
    }
}

extension Ciphertext {
    /// This ciphertext with each row of slots rotated left by `step` (see
    /// ``BfvEvaluator/rotatingSlots(_:by:using:)``; SEAL: `rotate_rows`, Apple: `rotateColumns`).
    ///
    /// - Parameters:
    ///   - step: the rotation (negative: right).
    ///   - keys: the Galois keys.
    /// - Returns: the rotated ciphertext.
    /// - Throws: ``FHEError/missingEvaluationKey(_:)`` when the keys cannot compose the step.
    public func rotatingSlots(by step: Int, using keys: BfvGaloisKeys<T>) throws(FHEError) -> Ciphertext<T> {
        try BfvEvaluator(context: context).rotatingSlots(self, by: step, using: keys)
    }

    /// This ciphertext with its two rows of slots exchanged (see
    /// ``BfvEvaluator/swappingRows(_:using:)``; SEAL: `rotate_columns`, Apple: `swapRows`).
    ///
    /// - Parameter keys: Galois keys with the row swap.
    /// - Returns: the ciphertext with its rows exchanged.
    /// - Throws: ``FHEError/missingEvaluationKey(_:)`` without the row-swap key.
    public func swappingRows(using keys: BfvGaloisKeys<T>) throws(FHEError) -> Ciphertext<T> {
        try BfvEvaluator(context: context).swappingRows(self, using: keys)
    }
}
