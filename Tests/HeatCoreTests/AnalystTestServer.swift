#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// A minimal OpenAI-compatible chat server on a loopback port, for the analyst's fallback tests
/// only: it answers every request as its mode says (with a canned reply, an HTTP error, or not
/// at all until the client gives up). POSIX sockets, one thread per connection.
final class AnalystTestServer: @unchecked Sendable {
    enum Mode {
        /// 200 with a chat completion whose content is this text.
        case reply(String)
        /// HTTP 500.
        case error
        /// Holds the connection without answering until the server stops or this many seconds pass.
        case silent(Double)
    }

    let mode: Mode
    private(set) var port: UInt16 = 0
    private var listener: Int32 = -1
    private let lock = NSLock()
    private var received: [String] = []
    private var stopped = false

    init(mode: Mode) throws {
        self.mode = mode
        listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard listener >= 0 else { throw POSIXError(.EIO) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(0).bigEndian
        address.sin_addr = in_addr(s_addr: inet_addr("127.0.0.1"))
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(listener, 8) == 0 else { throw POSIXError(.EADDRINUSE) }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &length) }
        }
        port = UInt16(bigEndian: address.sin_port)
        let fd = listener
        // The accept thread owns the listening descriptor and closes it when it ends, so the
        // number cannot be reused by another test's socket while this thread still accepts on it.
        Thread { [self] in
            while true {
                let connection = accept(fd, nil, nil)
                if connection < 0 || isStopped {
                    if connection >= 0 { close(connection) }
                    close(fd)
                    return
                }
                Thread { self.serve(connection) }.start()
            }
        }.start()
    }

    /// The request bodies received so far.
    var requests: [String] {
        lock.lock()
        defer { lock.unlock() }
        return received
    }

    /// The URL of the chat-completions endpoint.
    var url: String { "http://127.0.0.1:\(port)/v1/chat/completions" }

    private var isStopped: Bool {
        lock.lock()
        defer { lock.unlock() }
        return stopped
    }

    func stop() {
        lock.lock()
        stopped = true
        lock.unlock()
        shutdown(listener, Int32(SHUT_RDWR))
    }

    private func serve(_ connection: Int32) {
        defer { close(connection) }
        var data = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = recv(connection, &buffer, buffer.count, 0)
            if count <= 0 { break }
            data += buffer[0..<count]
            let text = String(decoding: data, as: UTF8.self)
            if let headerEnd = text.range(of: "\r\n\r\n") {
                let headers = text[..<headerEnd.lowerBound].lowercased()
                let length = headers.split(separator: "\r\n").first { $0.hasPrefix("content-length:") }
                    .flatMap { Int($0.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) } ?? 0
                let bodyStart = text.utf8.distance(from: text.utf8.startIndex, to: headerEnd.upperBound.samePosition(in: text.utf8)!)
                if data.count - bodyStart >= length {
                    lock.lock()
                    received.append(String(decoding: data[bodyStart...], as: UTF8.self))
                    lock.unlock()
                    break
                }
            }
        }
        let response: String
        switch mode {
        case .silent(let seconds):
            // Hold the connection until the test stops the server (or `seconds` pass): under
            // load the client's timer can fire late, and a server that hung up first would turn
            // the timeout into an "empty reply".
            let deadline = Date().addingTimeInterval(seconds)
            while !isStopped && Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
            return
        case .error:
            response = "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        case .reply(let content):
            struct Message: Encodable { var role = "assistant"; var content: String }
            struct Choice: Encodable { var index = 0; var message: Message; var finish_reason = "stop" }
            struct Reply: Encodable { var id = "test"; var object = "chat.completion"; var choices: [Choice] }
            let body = (try? JSONEncoder().encode(Reply(choices: [Choice(message: Message(content: content))]))) ?? Data()
            response = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: \(body.count)\r\nConnection: close\r\n\r\n"
                + String(decoding: body, as: UTF8.self)
        }
        let bytes = Array(response.utf8)
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { send(connection, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { break }
            sent += n
        }
    }
}
