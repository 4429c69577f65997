import Synchronization

/// Reusable word buffers for the temporaries of ciphertext multiplication and key switching.
///
/// At N=8192 one multiplication used to allocate about twenty arrays of `(L + K) N` words (0.5 MB
/// each: the lifted operands, their transforms, the tensor products, the scaled products) and
/// one key switch five arrays of `(l + 1) N` words; the allocator returned such blocks to the
/// kernel and the next call faulted the pages in and zeroed them again (profile of session 35:
/// page faults 17%, `memmove` 12%, `memset` 7% of a multiplication). A pool keeps a few buffers
/// per cached level instead: an operation borrows one for its whole duration, so concurrent
/// operations (the pipeline evaluates from several tasks) each get their own, and no two ever
/// share one (an idle buffer is taken out of the pool under its lock, and put back after use).
///
/// At most ``maximumIdle`` buffers are kept, **2 by default** whatever the number of cores (review
/// s37 MEDIUM 7: one buffer per core and per level kept hundreds of megabytes resident on a large
/// host after one burst of concurrent multiplications at n16384); a borrower beyond that
/// allocates and its buffer is freed after use. So a pool holds at most `2 x` its largest
/// request (``idleWords``).
///
/// The buffers are raw allocations (`UnsafeMutableBufferPointer.allocate`, freed when the pool
/// drops them): their words are never read before a kernel writes them. They hold
/// ciphertext-derived words only (never secret-key material), so they are not wiped between uses.
final class ScratchPool<T: ScalarType>: Sendable {
    /// One raw allocation, freed with its owner.
    final class Buffer: @unchecked Sendable {
        /// The words (uninitialized until a borrower writes them; `T` is a trivial integer type).
        let words: UnsafeMutableBufferPointer<T>

        init(count: Int) { words = .allocate(capacity: count) }

        deinit { words.deallocate() }
    }

    /// Idle buffers, ready to lend.
    private let idle = Mutex<[Buffer]>([])
    /// The most idle buffers kept.
    let maximumIdle: Int

    /// The default ``maximumIdle``.
    static var defaultMaximumIdle: Int { 2 }

    /// Creates an empty pool.
    ///
    /// - Parameter maximumIdle: the most buffers kept between operations (default 2).
    init(maximumIdle: Int = ScratchPool.defaultMaximumIdle) {
        self.maximumIdle = maximumIdle
    }

    /// Lends a buffer of exactly `count` words (contents unspecified) for the duration of `body`.
    ///
    /// - Parameters:
    ///   - count: the number of words needed.
    ///   - body: the work; the buffer must not escape it.
    /// - Returns: what `body` returns.
    func withBuffer<Result>(count: Int, _ body: (UnsafeMutableBufferPointer<T>) -> Result) -> Result {
        var buffer = idle.withLock { $0.popLast() }
        if buffer == nil || buffer.unsafelyUnwrapped.words.count < count { buffer = Buffer(count: count) }
        let lent = buffer.unsafelyUnwrapped
        let result = body(UnsafeMutableBufferPointer(rebasing: lent.words[0..<count]))
        idle.withLock { buffers in
            if buffers.count < maximumIdle { buffers.append(lent) }
        }
        return result
    }

    /// The number of idle buffers (for tests).
    var idleCount: Int { idle.withLock { $0.count } }

    /// The words held by idle buffers (for tests: at most ``maximumIdle`` times the largest request).
    var idleWords: Int { idle.withLock { $0.reduce(0) { $0 + $1.words.count } } }
}
