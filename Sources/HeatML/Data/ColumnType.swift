/// The type of a ``DataTable`` column.
///
/// Inferred from the non-empty cells (see ``DataTable/inferType(of:)``) or given as an override.
/// How each type becomes model features is decided by ``ColumnTransformer``:
/// numeric, boolean and date columns are numbers (a date as days since 1970-01-01), categorical
/// columns are one-hot encoded, identifier columns are kept as strings and never used as features.
///
/// ```swift
/// let table = try DataTable(contentsOf: url, overrides: ["customer_id": .identifier])
/// ```
public enum ColumnType: String, Sendable, Codable, CaseIterable {
    /// Decimal numbers (`12`, `-3.5`, `1e3`).
    case numeric
    /// Text labels (one-hot encoded as features).
    case categorical
    /// `true` / `false` (case-insensitive); also accepts `0` / `1` when given as an override.
    case boolean
    /// ISO dates `YYYY-MM-DD`.
    case date
    /// Identifiers kept verbatim as strings (zero-padded ids), never features.
    case identifier

    /// "a" or "an", for messages.
    var article: String { self == .identifier ? "an" : "a" }
}
