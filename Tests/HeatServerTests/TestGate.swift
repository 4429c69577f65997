import Foundation
import Synchronization

/// A value the tasks of one test share, behind a lock.
final class SharedValue<Value: Sendable>: Sendable {
    private let storage: Mutex<Value>

    init(_ value: Value) { storage = Mutex(value) }

    /// Changes the value in place.
    func update(_ change: (inout Value) -> Void) { storage.withLock { change(&$0) } }

    /// The value now.
    var value: Value { storage.withLock { $0 } }
}

extension DispatchSemaphore {
    /// Blocks the calling thread until the semaphore is signalled (`true`) or 600 s pass (`false`):
    /// a job that holds its thread until the test lets it go, with a bound so a broken check ends.
    func waitForTheTest() -> Bool {
        wait(timeout: .now() + .seconds(600)) == .success
    }
}
