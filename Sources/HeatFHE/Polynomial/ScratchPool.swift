import Foundation
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
/// share one. At most ``maximumIdle`` buffers are kept (by default the number of active
/// processors, at least 2); a borrower beyond that allocates and its buffer is freed after use.
///
/// The buffers hold ciphertext-derived words only (never secret-key material), so they are not
/// wiped between uses; their contents on loan are unspecified and every kernel writes before it
/// reads.
final class ScratchPool<T: ScalarType>: Sendable {
    /// Idle buffers, ready to lend.
    private let idle = Mutex<[[T]]>([])
    /// The most idle buffers kept.
    let maximumIdle: Int

    /// Creates an empty pool.
    ///
    /// - Parameter maximumIdle: the most buffers kept between operations.
    init(maximumIdle: Int = max(2, ProcessInfo.processInfo.activeProcessorCount)) {
        self.maximumIdle = maximumIdle
    }

    /// Lends a buffer of exactly `count` words (contents unspecified) for the duration of `body`.
    ///
    /// - Parameters:
    ///   - count: the number of words needed.
    ///   - body: the work; the buffer must not escape it.
    /// - Returns: what `body` returns.
    func withBuffer<Result>(count: Int, _ body: (UnsafeMutableBufferPointer<T>) -> Result) -> Result {
        var buffer = idle.withLock { $0.popLast() } ?? []
        if buffer.count < count {
            buffer = [T](unsafeUninitializedCapacity: count) { _, initialized in initialized = count }
        }
        let result = buffer.withUnsafeMutableBufferPointer { whole in
            body(UnsafeMutableBufferPointer(rebasing: whole[0..<count]))
        }
        idle.withLock { buffers in
            if buffers.count < maximumIdle { buffers.append(buffer) }
        }
        return result
    }

    /// The number of idle buffers (for tests).
    var idleCount: Int { idle.withLock { $0.count } }
}
