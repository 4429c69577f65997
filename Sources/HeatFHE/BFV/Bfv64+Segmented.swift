/// Non-generic 64-bit entry points for segmented sums over variable-length slot blocks
/// (issue 14, part 2: the hierarchy-ordered slot layout).
///
/// ```swift
/// // windows[j]: slot i holds the sum of slots i ..< i + 2^j of its row
/// let windows = try Bfv64.windowSums(heat, levels: 7, using: keys)
/// ```
extension Bfv64 {
    /// Rotates both rows of slots left by `step` (slot `i` of a row receives slot
    /// `(i + step) mod N/2` of the same row), composing the available Galois keys.
    ///
    /// - Parameters:
    ///   - ciphertext: a batch-encoded two-polynomial ciphertext.
    ///   - step: the rotation.
    ///   - keys: Galois keys that compose `step`.
    /// - Returns: the rotated ciphertext (signedness kept).
    /// - Throws: ``FHEError/missingEvaluationKey(_:)`` when the keys cannot compose `step`.
    public static func rotate(_ ciphertext: Ciphertext<UInt64>, by step: Int, using keys: BfvGaloisKeys<UInt64>) throws(FHEError) -> Ciphertext<UInt64> {
        var rotated = try BfvEvaluator(context: ciphertext.context).rotatingSlots(ciphertext, by: step, using: keys)
        rotated.signedness = ciphertext.signedness
        return rotated
    }

    /// The window-sum ladder of a ciphertext: element `j` (for `j` in `0...levels`) holds in slot
    /// `i` the sum of slots `i ..< i + 2^j` of the same row (cyclically within the row). Element 0
    /// is the input; each further element costs one rotation (`W[j+1] = W[j] + rotate(W[j], 2^j)`),
    /// so a block of `B` slots costs `log2(B)` key switches whatever the number of blocks.
    ///
    /// Every element carries partial sums in all slots: multiply by a 0/1 mask of the wanted
    /// block starts before anything leaves the evaluator.
    ///
    /// - Parameters:
    ///   - ciphertext: a batch-encoded two-polynomial ciphertext.
    ///   - levels: the largest window is `2^levels` slots (at most `log2(N/2)`).
    ///   - keys: Galois keys composing `1, 2, ..., 2^(levels-1)`.
    /// - Returns: `levels + 1` ciphertexts.
    /// - Throws: ``FHEError/invalidInput(source:reason:)`` for a window wider than a row,
    ///   ``FHEError/missingEvaluationKey(_:)`` when a key is missing.
    public static func windowSums(_ ciphertext: Ciphertext<UInt64>, levels: Int, using keys: BfvGaloisKeys<UInt64>) throws(FHEError) -> [Ciphertext<UInt64>] {
        let row = ciphertext.context.degree / 2
        guard levels >= 0, (1 << levels) <= row else {
            throw .invalidInput(source: "windowSums", reason: "a window of 2^\(levels) slots is wider than a row of \(row) slots")
        }
        var ladder = [ciphertext]
        ladder[0].valueCount = ciphertext.context.degree
        for level in 0..<levels {
            var next = ladder[level]
            add(&next, try rotate(ladder[level], by: 1 << level, using: keys))
            ladder.append(next)
        }
        return ladder
    }
}
