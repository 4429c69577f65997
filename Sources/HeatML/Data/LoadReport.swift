/// What loading a CSV file decided on its own: the columns it inferred to be identifiers (never
/// features), the cells it read as missing (missing tokens, infinite or overflowing numbers) and
/// the columns whose type was overridden.
///
/// ```swift
/// let table = try DataTable(contentsOf: URL(filePath: "customers.csv"))
/// print(table.loadReport.identifierColumns)          // ["customer_id"]
/// for note in table.loadReport.notes { print(note.column, note.message) }
/// ```
public struct LoadReport: Sendable, Codable, Equatable {
    /// One observation about a column.
    public struct Note: Sendable, Codable, Equatable {
        /// The column.
        public var column: String
        /// What happened: `identifier`, `missingTokens`, `infiniteAsMissing`, `override`.
        public var kind: String
        /// How many cells it concerns (0 when it concerns the whole column).
        public var cells: Int
        /// A sentence for people.
        public var message: String

        /// Creates a note.
        ///
        /// - Parameters:
        ///   - column: the column.
        ///   - kind: the kind of note.
        ///   - cells: the cells concerned.
        ///   - message: the sentence.
        public init(column: String, kind: String, cells: Int, message: String) {
            self.column = column
            self.kind = kind
            self.cells = cells
            self.message = message
        }
    }

    /// The columns inferred to be identifiers (nearly unique), in header order.
    public var identifierColumns: [String] = []
    /// Every note, in header order.
    public var notes: [Note] = []

    /// Creates an empty report.
    public init() {}
}
