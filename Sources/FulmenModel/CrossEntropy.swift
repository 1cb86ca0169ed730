import Foundation

/// Weighted cross-entropy of next-token predictions, fused with the softmax and its gradient.
///
/// Shapes: `logits` (R, V) for R positions; `targets`, `weights`, `targetLogProbabilities` (R).
/// The loss is `Σ weights[r] · −log softmax(logits[r])[targets[r]]`: weight 0 masks a position out (padding,
/// prompt tokens), a weight of 1/N averages over N trained positions, and signed per-token weights carry
/// policy-gradient advantages. https://pytorch.org/docs/stable/generated/torch.nn.functional.cross_entropy.html
package enum CrossEntropy {
    /// Computes each position's log-probability of its target and returns the weighted loss.
    ///
    /// When `gradient` is true the logits are replaced in place by the loss's gradient with respect to them,
    /// `weight · (softmax − onehot(target))`; otherwise they are left as they were.
    package static func forward(
        logits: FloatPointer, targetLogProbabilities: FloatPointer, targets: UnsafePointer<Int32>,
        weights: UnsafePointer<Float>?, rows: Int, vocabulary v: Int, gradient: Bool
    ) -> Double {
        var loss = 0.0
        let scratch = FloatBuffer(count: gradient ? 0 : v)
        for r in 0..<rows {
            let row = logits + r * v
            let target = Int(targets[r])
            let targetLogit = row[target]
            let m = VectorMath.max(row, v)
            let work = gradient ? row : scratch.base
            if !gradient { work.update(from: row, count: v) }
            let sum = VectorMath.expShiftedSum(work, v, shift: m)
            let logProbability = targetLogit - m - log(sum)
            targetLogProbabilities[r] = logProbability
            let w = weights?[r] ?? 0
            loss -= Double(w) * Double(logProbability)
            if gradient {
                let factor = w / sum
                for i in 0..<v { row[i] *= factor }
                row[target] -= w
            }
        }
        return loss
    }
}
