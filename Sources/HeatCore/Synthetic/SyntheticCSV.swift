import Foundation
import HeatTabular

/// Writers for the three CSV files of the input formats (DESIGN.md section 3): interactions,
/// clients and churn labels, with the readers' column order, LF line ends, RFC 4180 quoting
/// where a value needs it, and locale-independent number formatting.
///
/// ```swift
/// let dataset = SyntheticBank(clients: 50).generate()
/// try AtomicFile.write(SyntheticCSV.interactions(dataset.interactions), to: URL(filePath: "interactions.csv"))
/// ```
public enum SyntheticCSV {
    /// The interactions file: header `event_id,client_id,...,replied_within_hours`, one row each.
    ///
    /// - Parameter interactions: the rows.
    /// - Returns: the file's bytes.
    public static func interactions<S: Sequence<Interaction>>(_ interactions: S) -> Data {
        var out = [UInt8]()
        out.reserveCapacity(96 * interactions.underestimatedCount + 128)
        append(InteractionReader.columns.joined(separator: ","), to: &out, quote: false)
        out.append(0x0A)
        for interaction in interactions { appendRow(interaction, to: &out) }
        return Data(out)
    }

    /// Appends one interaction row (with its line feed) to a byte buffer.
    ///
    /// - Parameters:
    ///   - interaction: the row.
    ///   - out: the buffer.
    public static func appendRow(_ interaction: Interaction, to out: inout [UInt8]) {
        append(interaction.eventID ?? "", to: &out)
        out.append(0x2C)
        append(interaction.clientID, to: &out)
        out.append(0x2C)
        append(interaction.managerID, to: &out)
        out.append(0x2C)
        append(interaction.branch, to: &out)
        out.append(0x2C)
        append(interaction.channel.rawValue, to: &out, quote: false)
        out.append(0x2C)
        append(interaction.direction.rawValue, to: &out, quote: false)
        out.append(0x2C)
        append(interaction.occurredAt.iso8601, to: &out, quote: false)
        out.append(0x2C)
        if let seconds = interaction.durationSeconds { append(String(seconds), to: &out, quote: false) }
        out.append(0x2C)
        if let hours = interaction.repliedWithinHours { append(hours.description, to: &out, quote: false) }
        out.append(0x0A)
    }

    /// The clients file: header `client_id,segment,region,opened_on,manager_id,branch`.
    ///
    /// - Parameter clients: the rows.
    /// - Returns: the file's bytes.
    public static func clients(_ clients: [Client]) -> Data {
        var out = [UInt8]()
        append(ClientReader.columns.joined(separator: ","), to: &out, quote: false)
        out.append(0x0A)
        for client in clients {
            let fields = [client.clientID, client.segment, client.region, client.openedOn?.description ?? "", client.managerID, client.branch]
            for (index, field) in fields.enumerated() {
                if index > 0 { out.append(0x2C) }
                append(field, to: &out)
            }
            out.append(0x0A)
        }
        return Data(out)
    }

    /// The labels file: header `client_id,churned,churn_week` (`true` / `false`, `YYYY-Www` or empty).
    ///
    /// - Parameter labels: the rows.
    /// - Returns: the file's bytes.
    public static func labels(_ labels: [ChurnLabel]) -> Data {
        var out = [UInt8]()
        append("client_id,churned,churn_week", to: &out, quote: false)
        out.append(0x0A)
        for label in labels {
            append(label.clientID, to: &out)
            out.append(0x2C)
            append(label.churned ? "true" : "false", to: &out, quote: false)
            out.append(0x2C)
            append(label.churnWeek?.description ?? "", to: &out, quote: false)
            out.append(0x0A)
        }
        return Data(out)
    }

    /// Appends a field through the project's one CSV writer (``CSVWriter``: RFC 4180 quoting
    /// when it holds a comma, quote, CR or LF, and formula neutralisation). `quote: false` is for
    /// the writer's own fixed texts (headers, enum values, timestamps, numbers), copied as is.
    static func append(_ field: String, to out: inout [UInt8], quote: Bool = true) {
        guard quote else {
            out.append(contentsOf: field.utf8)
            return
        }
        CSVWriter.appendField(field, to: &out)
    }
}
