import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A tiny blocking HTTP/1.1 client over a loopback TCP socket, so the tests talk to the real
/// server exactly as curl would (no test-only transport).
struct HTTPResult: Sendable {
    var status: Int
    var headers: [String: String]
    var body: Data

    var text: String { String(decoding: body, as: UTF8.self) }
    var json: [String: Any]? { try? JSONSerialization.jsonObject(with: body) as? [String: Any] }
    var errorCode: String? { (json?["error"] as? [String: Any])?["code"] as? String }
    var data: Any? { json?["data"] }
}

struct RawHTTPError: Error, CustomStringConvertible {
    var description: String
}

enum RawHTTP {
    /// Runs blocking socket I/O on its own thread: never on the 2-thread cooperative pool, which
    /// the server's handlers need.
    static func offPool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            let thread = Thread { continuation.resume(with: Result { try body() }) }
            thread.start()
        }
    }

    /// The receive timeout is generous: in the full suite, long synchronous FHE tests can hold both
    /// threads of the 2-core cooperative pool for minutes, and the server's handlers wait for one.
    static func connect(port: Int, timeoutSeconds: Int = 300) throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw RawHTTPError(description: "socket failed") }
        var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard result == 0 else { close(fd); throw RawHTTPError(description: "connect to port \(port) failed") }
        return fd
    }

    static func send(_ fd: Int32, method: String, path: String, headers: [String: String], body: Data?) throws {
        var head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        if let body { head += "Content-Length: \(body.count)\r\n" }
        head += "\r\n"
        var bytes = Array(head.utf8)
        if let body { bytes += Array(body) }
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if sent <= 0 { break }  // the server may close early (413); read its answer anyway
            offset += sent
        }
    }

    static func request(port: Int, method: String = "GET", path: String, headers: [String: String] = [:], body: Data? = nil) async throws -> HTTPResult {
        try await offPool {
            let fd = try connect(port: port)
            defer { close(fd) }
            try send(fd, method: method, path: path, headers: headers, body: body)
            var received: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 65_536)
            while true {
                let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
                if count <= 0 { break }
                received += buffer[0..<count]
            }
            return try parse(received)
        }
    }

    static func parse(_ bytes: [UInt8]) throws -> HTTPResult {
        let separator: [UInt8] = [13, 10, 13, 10]
        guard let split = (0..<max(0, bytes.count - 3)).first(where: { Array(bytes[$0..<$0 + 4]) == separator }) else {
            throw RawHTTPError(description: "no HTTP head in \(bytes.count) bytes")
        }
        let head = String(decoding: bytes[0..<split], as: UTF8.self).components(separatedBy: "\r\n")
        let statusParts = head[0].split(separator: " ")
        guard statusParts.count >= 2, let status = Int(statusParts[1]) else { throw RawHTTPError(description: "bad status line") }
        var headers: [String: String] = [:]
        for line in head.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        var body = Array(bytes[(split + 4)...])
        if headers["transfer-encoding"]?.lowercased() == "chunked" {
            var decoded: [UInt8] = []
            var index = 0
            while index < body.count {
                guard let end = (index..<max(index, body.count - 1)).first(where: { body[$0] == 13 && body[$0 + 1] == 10 }),
                      let size = Int(String(decoding: body[index..<end], as: UTF8.self), radix: 16) else { break }
                if size == 0 { break }
                decoded += body[(end + 2)..<min(body.count, end + 2 + size)]
                index = end + 2 + size + 2
            }
            body = decoded
        }
        return HTTPResult(status: status, headers: headers, body: Data(body))
    }

    /// Opens a request and reads until one of `markers` appears or `seconds` pass; returns what was read.
    static func readStream(port: Int, path: String, headers: [String: String], until markers: String..., seconds: Int,
                           afterConnect: @escaping @Sendable () -> Void) async throws -> String {
        try await offPool {
            let fd = try connect(port: port, timeoutSeconds: 1)
            defer { close(fd) }
            try send(fd, method: "GET", path: path, headers: headers, body: nil)
            var received: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 4_096)
            let deadline = Date().addingTimeInterval(TimeInterval(seconds))
            var triggered = false
            while Date() < deadline {
                let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
                if count == 0 { break }
                if count > 0 { received += buffer[0..<count] }
                let text = String(decoding: received, as: UTF8.self)
                if !triggered && text.contains("connected") { triggered = true; afterConnect() }
                if markers.contains(where: { text.contains($0) }) { break }
            }
            return String(decoding: received, as: UTF8.self)
        }
    }
}
