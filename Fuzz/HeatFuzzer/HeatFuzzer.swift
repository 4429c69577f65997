// The libFuzzer entry point. Built only with HEAT_FUZZ=1 and `-sanitize=fuzzer,address`
// (libFuzzer supplies `main`); `Scripts/fuzz.sh TARGET SECONDS` builds and runs it. The target is
// chosen by the environment variable HEAT_FUZZ_TARGET (a `FuzzTarget` raw value). When
// HEAT_FUZZ_SEEDS_OUT names a folder, the target's generated seeds (`FuzzSeeds.generated`) are
// written there before fuzzing starts (`Scripts/fuzz.sh` seeds the working corpus this way).
//
// SwiftPM links a debug executable with `main` renamed to `heat_fuzzer_main` (so tests could link
// it), which hides libFuzzer's own `main`: `heat_fuzzer_main` below starts libFuzzer's driver
// itself (`LLVMFuzzerRunDriver`), and a release build (no renaming) uses libFuzzer's `main`.
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

@_cdecl("LLVMFuzzerInitialize")
public func fuzzInitialize(_ argc: UnsafeMutablePointer<CInt>?, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>?) -> CInt {
    let chosen = target
    if let folder = ProcessInfo.processInfo.environment["HEAT_FUZZ_SEEDS_OUT"], !folder.isEmpty {
        for (name, data) in FuzzSeeds.generated(for: chosen) {
            let url = URL(filePath: folder).appending(path: name)
            if !FileManager.default.fileExists(atPath: url.path) { try? data.write(to: url) }
        }
    }
    return 0
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let data = start.map { Data(bytes: $0, count: count) } ?? Data()
    target.run(data)
    return 0
}

/// libFuzzer's driver entry (compiler-rt `FuzzerInterface.h`, LLVM 11 and later).
@_silgen_name("LLVMFuzzerRunDriver")
func runFuzzerDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt

@_cdecl("heat_fuzzer_main")
public func heatFuzzerMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var count = argc
    var arguments = argv
    return runFuzzerDriver(&count, &arguments, fuzzOneInput)
}
