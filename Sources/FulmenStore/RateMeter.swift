import Foundation

/// Events per second over the last minute, counted in one-second buckets.
struct RateMeter {
    private var counts = [Int](repeating: 0, count: 60)
    private var bucketSecond = [Int](repeating: .min, count: 60)

    mutating func record(_ count: Int, at now: Date) {
        let second = Int(now.timeIntervalSince1970)
        let index = second % 60
        if bucketSecond[index] != second {
            bucketSecond[index] = second
            counts[index] = 0
        }
        counts[index] += count
    }

    func perSecond(at now: Date) -> Double {
        let second = Int(now.timeIntervalSince1970)
        let recent = zip(counts, bucketSecond).filter { $0.1 > second - 60 }.map(\.0).reduce(0, +)
        return Double(recent) / 60
    }
}
