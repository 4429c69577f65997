import Foundation
import HeatEnvelope

/// One purchase: who, on which day, for how much.
///
/// ```swift
/// let purchase = Transaction(customerID: "00042", day: try TransactionDay.parse("1997-03-02"), amount: 29.33)
/// ```
public struct Transaction: Sendable, Hashable, Codable {
    /// The customer's identifier as written in the file (kept as text: leading zeros matter).
    public var customerID: String
    /// The purchase date as days since 1970-01-01.
    public var day: Int
    /// The purchase amount, when the log has one.
    public var amount: Double?

    /// Creates a transaction.
    ///
    /// - Parameters:
    ///   - customerID: the customer's identifier.
    ///   - day: days since 1970-01-01 (see ``TransactionDay``).
    ///   - amount: the amount, or `nil`.
    public init(customerID: String, day: Int, amount: Double? = nil) {
        self.customerID = customerID
        self.day = day
        self.amount = amount
    }
}

/// A transaction log: the good rows of a file and the rows it rejected.
///
/// ```swift
/// let log = try TransactionLogReader(amountColumn: "dollar_value").read(contentsOf: url)
/// if !log.rejects.isEmpty { FileHandle.standardError.write(Data(log.rejectReport.utf8)) }
/// ```
public struct TransactionLog: Sendable {
    /// The accepted transactions, in file order.
    public var transactions: [Transaction]
    /// The rejected rows, in file order.
    public var rejects: [TransactionReject]
    /// The file name used in messages.
    public var source: String
    /// Whether the log carries amounts.
    public var hasAmounts: Bool

    /// Creates a log.
    ///
    /// - Parameters:
    ///   - transactions: the transactions.
    ///   - rejects: rejected rows.
    ///   - source: the file name used in messages.
    ///   - hasAmounts: whether amounts were read.
    public init(transactions: [Transaction], rejects: [TransactionReject] = [], source: String = "<memory>", hasAmounts: Bool) {
        self.transactions = transactions
        self.rejects = rejects
        self.source = source
        self.hasAmounts = hasAmounts
    }

    /// Whether no row was rejected.
    public var isClean: Bool { rejects.isEmpty }

    /// The first and last purchase day, or `nil` for an empty log.
    public var dayRange: ClosedRange<Int>? {
        guard let first = transactions.map(\.day).min(), let last = transactions.map(\.day).max() else { return nil }
        return first...last
    }

    /// A reject report: one line per rejected row (at most `limit`), naming file, line, column and
    /// reason, never a customer identifier; empty when the log is clean.
    ///
    /// - Parameter limit: the most rows listed (default 20).
    /// - Returns: the report text.
    public func rejectReport(limit: Int = 20) -> String {
        guard !rejects.isEmpty else { return "" }
        var lines = ["\(source): rejected \(rejects.count) of \(rejects.count + transactions.count) rows (kept \(transactions.count)):"]
        for reject in rejects.prefix(limit) {
            lines.append("  \(source):\(reject.line): column '\(reject.column)': \(reject.reason)")
        }
        if rejects.count > limit { lines.append("  … and \(rejects.count - limit) more") }
        return lines.joined(separator: "\n")
    }
}

/// A row the transaction reader rejected.
public struct TransactionReject: Sendable, Hashable, Codable {
    /// The 1-based line of the row.
    public var line: Int
    /// The column at fault.
    public var column: String
    /// Why the row was rejected (never quoting a customer identifier).
    public var reason: String

    /// Creates a reject.
    public init(line: Int, column: String, reason: String) {
        self.line = line
        self.column = column
        self.reason = reason
    }
}

/// Calendar days as integers (days since 1970-01-01, proleptic Gregorian) for transaction logs.
///
/// ```swift
/// let day = try TransactionDay.parse("1997-09-30")   // 10134
/// TransactionDay.format(day)                          // "1997-09-30"
/// ```
public enum TransactionDay {
    /// Days since 1970-01-01 of a civil date (H. Hinnant's `days_from_civil`).
    ///
    /// - Returns: the day number, or `nil` for an impossible date.
    public static func days(year: Int, month: Int, day: Int) -> Int? {
        guard (1...12).contains(month), day >= 1 else { return nil }
        let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
        let lengths = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        guard day <= lengths[month - 1] else { return nil }
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// The civil date of a day number (H. Hinnant's `civil_from_days`).
    public static func civil(_ days: Int) -> (year: Int, month: Int, day: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    /// Formats a day number as `YYYY-MM-DD`.
    public static func format(_ days: Int) -> String {
        let (year, month, day) = civil(days)
        func pad(_ value: Int, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: Swift.max(0, width - text.count)) + text
        }
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))"
    }

    /// Parses `YYYY-MM-DD`, `YYYYMMDD`, or an ISO-8601 timestamp whose first ten characters are
    /// `YYYY-MM-DD` (the date part is taken as written, without time-zone conversion).
    ///
    /// - Throws: ``LifetimesError/invalidParameter(name:value:reason:)`` for anything else.
    public static func parse(_ text: String) throws(LifetimesError) -> Int {
        if let day = parseOptional(text) { return day }
        throw .invalidParameter(name: "date", value: text, reason: "expected YYYY-MM-DD")
    }

    static func parseOptional(_ raw: String) -> Int? {
        let text = Array(raw.utf8)
        func number(_ range: Range<Int>) -> Int? {
            var value = 0
            for index in range {
                let byte = text[index]
                guard byte >= 48, byte <= 57 else { return nil }
                value = value * 10 + Int(byte - 48)
            }
            return value
        }
        if text.count == 8, let y = number(0..<4), let m = number(4..<6), let d = number(6..<8) {
            return days(year: y, month: m, day: d)
        }
        guard text.count >= 10, text[4] == UInt8(ascii: "-"), text[7] == UInt8(ascii: "-"),
              text.count == 10 || text[10] == UInt8(ascii: "T") || text[10] == UInt8(ascii: " "),
              let y = number(0..<4), let m = number(5..<7), let d = number(8..<10) else { return nil }
        return days(year: y, month: m, day: d)
    }
}

/// Reads a transaction log from CSV: one row per purchase with a customer id, a date and an
/// optional amount. Bad rows are rejected with their line and column and the good rows kept
/// (``TransactionLog/rejects``); `strict` fails on the first bad row instead.
///
/// Accepted: a UTF-8 BOM, CRLF line ends, RFC 4180 quoting (``CSVParser``); dates as in
/// ``TransactionDay/parse(_:)``; amounts as plain decimal numbers (negative amounts, refunds,
/// are rejected: the spend model needs positive values).
///
/// ```swift
/// let log = try TransactionLogReader(amountColumn: "dollar_value").read(contentsOf: URL(filePath: "data.csv"))
/// ```
public struct TransactionLogReader: Sendable {
    /// The customer id column (default `customer_id`).
    public var customerColumn: String
    /// The date column (default `date`).
    public var dateColumn: String
    /// The amount column; `nil` reads `amount` when the header has it and no amounts otherwise.
    public var amountColumn: String?
    /// Fail on the first bad row instead of rejecting it.
    public var strict: Bool

    /// Creates a reader.
    ///
    /// - Parameters:
    ///   - customerColumn: the customer id column.
    ///   - dateColumn: the date column.
    ///   - amountColumn: the amount column, or `nil` for `amount` when present.
    ///   - strict: fail on the first bad row.
    public init(customerColumn: String = "customer_id", dateColumn: String = "date", amountColumn: String? = nil, strict: Bool = false) {
        self.customerColumn = customerColumn
        self.dateColumn = dateColumn
        self.amountColumn = amountColumn
        self.strict = strict
    }

    /// Reads a CSV file.
    ///
    /// - Parameter url: the file.
    /// - Returns: the log with its rejects.
    /// - Throws: ``LifetimesError`` for a missing or unreadable file, a missing column, a strict
    ///   reject or a file without any usable row.
    public func read(contentsOf url: URL) throws(LifetimesError) -> TransactionLog {
        let path = url.path
        guard FileManager.default.fileExists(atPath: path) else { throw .missingFile(path: path) }
        do {
            try ReaderLimits.current.checkFileSize(of: url, .tabularFileBytes)
        } catch {
            throw .limitExceeded(error)
        }
        // Mapped (not copied) when the file system allows it, and parsed in place: the file's
        // bytes are held in memory at most once.
        let data: Data
        do {
            data = try Data(contentsOf: url, options: .mappedIfSafe)
        } catch {
            throw .unreadableFile(path: path, reason: (error as NSError).localizedDescription)
        }
        let result = data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            Result { () throws(LifetimesError) -> TransactionLog in try read(contiguous: raw, source: path) }
        }
        return try result.get()
    }

    /// Reads CSV bytes.
    ///
    /// - Parameters:
    ///   - bytes: the CSV content.
    ///   - source: the name used in messages.
    /// - Returns: the log with its rejects.
    /// - Throws: ``LifetimesError``.
    public func read(bytes: [UInt8], source: String) throws(LifetimesError) -> TransactionLog {
        try read(contiguous: bytes, source: source)
    }

    /// Reads CSV bytes from any zero-based contiguous collection (an array or a mapped file).
    func read<Bytes: RandomAccessCollection>(
        contiguous bytes: Bytes, source: String
    ) throws(LifetimesError) -> TransactionLog where Bytes.Element == UInt8, Bytes.Index == Int {
        let records: [CSVParser.Record]
        do {
            records = try CSVParser.parse(contiguous: bytes, source: source, limits: .current)
        } catch {
            switch error {
            case .unterminatedQuote(_, let line):
                throw .rejectedRow(source: source, line: line, column: "-", reason: "a quoted field is never closed")
            case .tabular(.limitExceeded(let exceeded)):
                throw .limitExceeded(exceeded)
            default: throw .unreadableFile(path: source, reason: error.description)
            }
        }
        guard let header = records.first else { throw .noTransactions(source: source, rejectedRows: 0) }
        let names = header.fields.map { $0.trimmingCharacters(in: .whitespaces) }
        func index(_ column: String) throws(LifetimesError) -> Int {
            guard let found = names.firstIndex(of: column) else {
                throw .missingColumn(source: source, column: column, available: names)
            }
            return found
        }
        let customerIndex = try index(customerColumn)
        let dateIndex = try index(dateColumn)
        let amountName = amountColumn ?? (names.contains("amount") ? "amount" : nil)
        var amountIndex: Int?
        if let amountName { amountIndex = try index(amountName) }
        var transactions: [Transaction] = []
        transactions.reserveCapacity(records.count)
        var rejects: [TransactionReject] = []
        for record in records.dropFirst() {
            func reject(_ column: String, _ reason: String) throws(LifetimesError) {
                if strict { throw .rejectedRow(source: source, line: record.line, column: column, reason: reason) }
                rejects.append(TransactionReject(line: record.line, column: column, reason: reason))
            }
            guard record.fields.count == names.count else {
                try reject("-", "expected \(names.count) fields as in the header, found \(record.fields.count)")
                continue
            }
            let customer = record.fields[customerIndex].trimmingCharacters(in: .whitespaces)
            guard !customer.isEmpty else { try reject(customerColumn, "empty customer id"); continue }
            let dateText = record.fields[dateIndex].trimmingCharacters(in: .whitespaces)
            guard let day = TransactionDay.parseOptional(dateText) else {
                let shown = dateText.count <= 40 ? dateText : String(dateText.prefix(40)) + "…"
                try reject(dateColumn, "'\(shown)' is not a date (expected YYYY-MM-DD)")
                continue
            }
            var amount: Double?
            if let amountIndex, let amountName {
                let text = record.fields[amountIndex].trimmingCharacters(in: .whitespaces)
                guard let value = Double(text), value.isFinite else {
                    let shown = text.count <= 40 ? text : String(text.prefix(40)) + "…"
                    try reject(amountName, text.isEmpty ? "empty amount" : "'\(shown)' is not a number")
                    continue
                }
                guard value >= 0 else { try reject(amountName, "negative amount (refunds are not purchases)"); continue }
                amount = value
            }
            transactions.append(Transaction(customerID: customer, day: day, amount: amount))
        }
        guard !transactions.isEmpty else { throw .noTransactions(source: source, rejectedRows: rejects.count) }
        return TransactionLog(transactions: transactions, rejects: rejects, source: source, hasAmounts: amountIndex != nil)
    }
}
