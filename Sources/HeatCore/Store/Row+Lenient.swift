import Foundation
import GRDB

/// Reading store rows without trusting them: a tampered database can hold NULLs or values of
/// another type where the schema says otherwise, and GRDB's typed subscripts trap on those.
/// These accessors return `nil` instead.
extension Row {
    /// The column's value as text, or `nil` for NULL or a non-text value.
    func lenientText(_ column: String) -> String? { String.fromDatabaseValue(self[column] as DatabaseValue) }
    /// The column's value as an integer, or `nil` for NULL or a non-integer value.
    func lenientInteger(_ column: String) -> Int64? { Int64.fromDatabaseValue(self[column] as DatabaseValue) }
    /// The column's value as bytes, or `nil` for NULL or a non-blob, non-text value.
    func lenientBlob(_ column: String) -> Data? { Data.fromDatabaseValue(self[column] as DatabaseValue) }
    /// The value at `index` as text, or `nil` for NULL or a non-text value.
    func lenientText(at index: Int) -> String? { String.fromDatabaseValue(self[index] as DatabaseValue) }
    /// The value at `index` as an integer, or `nil`.
    func lenientInteger(at index: Int) -> Int64? { Int64.fromDatabaseValue(self[index] as DatabaseValue) }
    /// The value at `index` as bytes, or `nil`.
    func lenientBlob(at index: Int) -> Data? { Data.fromDatabaseValue(self[index] as DatabaseValue) }
}
