import HeatEnvelope
import Foundation
import HeatTabular

/// Loading an input file and driving a ``TabularScanner`` over it: the part the interaction and
/// client readers share.
///
/// Files are memory-mapped, so reading a large export does not copy it into the heap; records
/// are decoded one at a time and handed to the caller.
enum TabularInput {
    /// The result of decoding one row.
    enum Decoded<Record> {
        case record(Record)
        case reject(RowReject)
    }

    /// Maps `url` and calls `body` with its bytes.
    ///
    /// - Throws: ``IngestError/missingFile(path:)`` or ``IngestError/unreadableFile(path:reason:)``,
    ///   or whatever `body` throws.
    static func withContents<R>(of url: URL, _ body: (UnsafeBufferPointer<UInt8>) throws -> R) throws -> R {
        let path = url.path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw IngestError.missingFile(path: path)
        }
        guard !isDirectory.boolValue else { throw IngestError.unreadableFile(path: path, reason: "it is a directory") }
        do {
            try ReaderLimits.current.checkFileSize(of: url, .tabularFileBytes)
        } catch {
            throw IngestError.tabular(.limitExceeded(error))
        }
        let data: Data
        do {
            data = try Data(contentsOf: url, options: .alwaysMapped)
        } catch {
            throw IngestError.unreadableFile(path: path, reason: (error as NSError).localizedDescription)
        }
        return try data.withUnsafeBytes { raw in try body(raw.bindMemory(to: UInt8.self)) }
    }

    /// Runs a reader over a whole file, mapping any non-``IngestError`` failure to
    /// ``IngestError/unreadableFile(path:reason:)`` (a ``TabularError`` as ``IngestError/tabular(_:)``) so public readers throw only ``IngestError``.
    static func readFile<R>(
        _ url: URL, _ read: (UnsafeBufferPointer<UInt8>, String) throws -> R
    ) throws(IngestError) -> R {
        do {
            return try withContents(of: url) { bytes in try read(bytes, url.path) }
        } catch let error as IngestError {
            throw error
        } catch {
            throw Self.wrap(error, file: url.path)
        }
    }

    /// Runs a reader over bytes in memory, mapping failures as ``readFile(_:_:)`` does.
    static func readData<R>(
        _ data: Data, file: String, _ read: (UnsafeBufferPointer<UInt8>, String) throws -> R
    ) throws(IngestError) -> R {
        do {
            return try data.withUnsafeBytes { raw in try read(raw.bindMemory(to: UInt8.self), file) }
        } catch let error as IngestError {
            throw error
        } catch {
            throw Self.wrap(error, file: file)
        }
    }

    /// The format to use: the requested one, else the extension's, else the content's.
    static func format(requested: InputFormat?, file: String, bytes: UnsafeBufferPointer<UInt8>) -> InputFormat {
        if let requested { return requested }
        let ext = (file as NSString).pathExtension
        if let format = InputFormat(pathExtension: ext) { return format }
        return InputFormat.detect(in: bytes.prefix(4096))
    }

    /// How many rows pass between two progress reports of ``scan(bytes:file:format:schema:required:maximumRejectsKept:decode:emit:progress:)``.
    static let progressInterval = 4096

    /// The number of data rows a file probably holds: its line feeds, plus one for a last line
    /// without one, minus the header line for CSV. Exact for files without quoted line breaks or
    /// blank lines; used only as the total of a progress bar.
    ///
    /// - Parameters:
    ///   - bytes: the file's bytes.
    ///   - format: the format (CSV has a header line).
    /// - Returns: the estimated number of data rows, at least 0.
    static func estimatedRowCount(bytes: UnsafeBufferPointer<UInt8>, format: InputFormat) -> Int {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return 0 }
        var lines = 0
        var cursor = UnsafeRawPointer(base)
        var remaining = bytes.count
        while remaining > 0, let found = memchr(cursor, 0x0A, remaining) {
            lines += 1
            let next = UnsafeRawPointer(found) + 1
            remaining -= next - cursor
            cursor = next
        }
        if bytes[bytes.count - 1] != 0x0A { lines += 1 }
        return max(0, format == .csv ? lines - 1 : lines)
    }

    /// Scans `bytes`, decoding each row with `decode` and passing records to `emit`.
    ///
    /// - Parameters:
    ///   - bytes: the file's bytes.
    ///   - file: the name used in messages.
    ///   - format: the format.
    ///   - schema: the column names the decoder addresses by index.
    ///   - required: the columns a CSV header must have.
    ///   - maximumRejectsKept: how many reject entries to keep.
    ///   - decode: turns a tokenized row into a record or a reject.
    ///   - emit: receives each record.
    ///   - progress: receives the number of rows seen so far (accepted and rejected) every
    ///     ``progressInterval`` rows; `nil` for none.
    /// - Returns: the kept rejects, the number of rejected rows, the number of rows seen, and the
    ///   columns or keys outside `schema` that were ignored (each once, in order of appearance).
    /// - Throws: ``IngestError`` for file-level problems, or what `emit` throws.
    static func scan<Record>(
        bytes: UnsafeBufferPointer<UInt8>, file: String, format: InputFormat, schema: [String], required: Set<String>,
        maximumRejectsKept: Int,
        decode: (TabularScanner.Row) -> Decoded<Record>,
        emit: (Record) throws -> Void,
        progress: ((Int) -> Void)? = nil
    ) throws -> (rejects: [RowReject], rejected: Int, rows: Int, ignored: [String]) {
        let scanner = TabularScanner(bytes: bytes, file: file, format: format, schema: schema)
        try scanner.readHeader(required: required)
        var rejects: [RowReject] = []
        var rejected = 0
        var rows = 0
        var emitError: (any Error)?
        func note(_ reject: RowReject) {
            rejected += 1
            if rejects.count < maximumRejectsKept { rejects.append(reject) }
        }
        scanner.scan(
            onRow: { row in
                rows += 1
                if let progress, rows % progressInterval == 0 { progress(rows) }
                guard emitError == nil else { return }
                switch decode(row) {
                case .record(let record):
                    do { try emit(record) } catch { emitError = error }
                case .reject(let reject): note(reject)
                }
            },
            onReject: { reject in
                rows += 1
                if let progress, rows % progressInterval == 0 { progress(rows) }
                note(reject)
            })
        if let emitError { throw emitError }
        return (rejects, rejected, rows, scanner.ignoredFields)
    }
}

extension TabularInput {
    /// Wraps a lower layer's error as a case of ``IngestError``: a ``TabularError`` as
    /// ``IngestError/tabular(_:)``, anything else as ``IngestError/unreadableFile(path:reason:)``.
    static func wrap(_ error: any Error, file: String) -> IngestError {
        if let error = error as? TabularError { return .tabular(error) }
        return .unreadableFile(path: file, reason: "\(error)")
    }
}
