/// Constant words in one raw allocation, read by the inner loops of the RNS kernels through a
/// pointer taken once per call.
///
/// The arrays these tables replace cost a bounds check and, through the owning class, a reload
/// of the array per access inside loops of a few multiplications (profile of session 38:
/// `RnsBasisExtension.extend` spent most of its 44% of a multiply + relinearize on that, not on
/// the arithmetic). The words are written once at initialisation and never change, so sharing a
/// table between tasks is safe (hence `@unchecked Sendable`).
final class WordTable<Element>: @unchecked Sendable {
    /// The first word (valid for ``count`` words while the table lives).
    let base: UnsafeMutablePointer<Element>
    /// The number of words.
    let count: Int

    /// Copies `words` into a new allocation.
    ///
    /// - Parameter words: the constants.
    init(_ words: [Element]) {
        count = words.count
        base = .allocate(capacity: Swift.max(words.count, 1))
        for (index, word) in words.enumerated() { (base + index).initialize(to: word) }
    }

    deinit {
        base.deinitialize(count: count)
        base.deallocate()
    }

    /// A read-only pointer to the words.
    var pointer: UnsafePointer<Element> { UnsafePointer(base) }
}
