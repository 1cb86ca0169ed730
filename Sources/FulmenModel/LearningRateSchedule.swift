import Foundation

/// Linear warm-up to a peak learning rate, then cosine decay to a floor, as in nanoGPT.
public struct LearningRateSchedule: Sendable, Hashable, Codable {
    /// The rate at the end of warm-up.
    public var peak: Float
    /// The rate after `totalSteps` (and beyond).
    public var minimum: Float
    /// Steps of linear warm-up from `peak / warmupSteps`.
    public var warmupSteps: Int
    /// Step at which the cosine reaches `minimum`.
    public var totalSteps: Int

    /// Creates a schedule.
    public init(peak: Float, minimum: Float = 0, warmupSteps: Int = 0, totalSteps: Int) {
        self.peak = peak
        self.minimum = minimum
        self.warmupSteps = warmupSteps
        self.totalSteps = totalSteps
    }

    /// The learning rate for 0-based step `step`.
    public func rate(at step: Int) -> Float {
        if step < warmupSteps { return peak * Float(step + 1) / Float(warmupSteps) }
        if step >= totalSteps { return minimum }
        let progress = Double(step - warmupSteps) / Double(max(1, totalSteps - warmupSteps))
        let cosine = Float(0.5 * (1 + cos(Double.pi * progress)))
        return minimum + cosine * (peak - minimum)
    }
}
