import Foundation

/// Clock, statistics and inputs the measurements share with the Python references.
enum Measuring {
    static let clock = ContinuousClock()

    /// The seconds `body` takes.
    static func time(_ body: () throws -> Void) rethrows -> Double {
        let start = clock.now
        try body()
        let d = clock.now - start
        return Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
    }

    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        return sorted.count % 2 == 1
            ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
    }

    /// This process's peak resident set in MB.
    static func peakResidentMegabytes() -> Double {
        var usage = rusage()
        getrusage(Int32(RUSAGE_SELF.rawValue), &usage)
        return Double(usage.ru_maxrss) / 1024
    }

    /// The benchmark's synthetic token ids: sequence `sequence`, `count` tokens, ordinary vocabulary ids in
    /// 100 ..< 48,100. llamacpp_reference.py and torch_lora_reference.py compute the same ids (`tokens`), so both
    /// sides run the same inputs.
    static func tokens(sequence: Int, count: Int) -> [Int32] {
        (0..<count).map { j in Int32(100 + (7919 * (sequence * 4099 + j) + 104_729 * sequence) % 48_000) }
    }
}
