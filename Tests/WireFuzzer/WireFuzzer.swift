// The libFuzzer target for the actor system's wire decoder. scripts/fuzz-wire compiles this file
// with the ZMQActorSystem sources and Tests/ZMQActorSystemTests/WireFuzzing.swift into one
// module (-D WIRE_FUZZER), so the harness reaches the envelope's internal entry points; the values
// are decoded by the BinaryCoding library it links.
import Glibc

/// Decodes one fuzzer input every way a node decodes received frames.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzWireDecoder(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    WireFuzzing.decodeEverything(WireFuzzing.frames(from: UnsafeRawBufferPointer(start: data, count: size)))
    return 0
}

/// Writes the seed messages into `$WIRE_FUZZ_SEEDS` (a directory) before fuzzing starts.
@_cdecl("LLVMFuzzerInitialize")
public func fuzzWireDecoderInitialize(_ argc: UnsafeMutablePointer<CInt>?, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>?) -> CInt {
    guard let directory = getenv("WIRE_FUZZ_SEEDS").map({ String(cString: $0) }), let seeds = try? WireFuzzing.seeds() else { return 0 }
    for (index, seed) in seeds.enumerated() {
        let input = WireFuzzing.input(from: seed)
        guard let file = fopen("\(directory)/seed-\(index)", "wb") else { continue }
        _ = input.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, file) }
        fclose(file)
    }
    return 0
}
