// The libFuzzer entry point. Built only with HEAT_FUZZ=1 and `-sanitize=fuzzer,address`
// (libFuzzer supplies `main`); `Scripts/fuzz.sh TARGET SECONDS` builds and runs it. The target is
// chosen by the environment variable HEAT_FUZZ_TARGET (a `FuzzTarget` raw value).
import Foundation
import HeatFuzzing

private let target: FuzzTarget = {
    let name = ProcessInfo.processInfo.environment["HEAT_FUZZ_TARGET"] ?? ""
    guard let target = FuzzTarget(name: name) else {
        let names = FuzzTarget.allCases.map(\.rawValue).joined(separator: ", ")
        FileHandle.standardError.write(Data("heat-fuzzer: set HEAT_FUZZ_TARGET to one of: \(names)\n".utf8))
        exit(64)
    }
    return target
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let data = start.map { Data(bytes: $0, count: count) } ?? Data()
    target.run(data)
    return 0
}
