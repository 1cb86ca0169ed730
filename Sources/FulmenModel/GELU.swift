/// GELU with the tanh approximation: `0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))`.
///
/// https://pytorch.org/docs/stable/generated/torch.nn.GELU.html (`approximate="tanh"`)
enum GELU {
    private static let scale: Float = 0.797_884_56  // √(2/π)
    private static let cubic: Float = 0.044_715

    /// `output[i] = gelu(input[i])` for `count` values; `output` may be `input`.
    static func forward(output: FloatPointer, input: UnsafePointer<Float>, count: Int) {
        var i = 0
        while i + 8 <= count {
            VectorMath.store(value(VectorMath.load(input + i)), output + i)
            i += 8
        }
        if i < count {
            let v = value(VectorMath.loadPartial(input + i, count - i, fill: 0))
            VectorMath.storePartial(v, output + i, count - i)
        }
    }

    /// `gradient[i] = outputGradient[i] · gelu'(input[i])`; `gradient` may be `outputGradient`.
    static func backward(
        inputGradient: FloatPointer, outputGradient: UnsafePointer<Float>, input: UnsafePointer<Float>, count: Int
    ) {
        var i = 0
        while i + 8 <= count {
            let g = derivative(VectorMath.load(input + i)) * VectorMath.load(outputGradient + i)
            VectorMath.store(g, inputGradient + i)
            i += 8
        }
        if i < count {
            let n = count - i
            let g =
                derivative(VectorMath.loadPartial(input + i, n, fill: 0))
                * VectorMath.loadPartial(outputGradient + i, n, fill: 0)
            VectorMath.storePartial(g, inputGradient + i, n)
        }
    }

    @inline(__always)
    private static func value(_ x: VectorMath.Vector) -> VectorMath.Vector {
        let inner: VectorMath.Vector = scale * (x + cubic * x * x * x)
        let t = VectorMath.tanh(inner)
        return 0.5 * x * (1 + t)
    }

    @inline(__always)
    private static func derivative(_ x: VectorMath.Vector) -> VectorMath.Vector {
        let x2 = x * x
        let inner: VectorMath.Vector = scale * (x + cubic * x2 * x)
        let t = VectorMath.tanh(inner)
        let slope: VectorMath.Vector = scale * (1 + (3 * cubic) * x2)
        let outer: VectorMath.Vector = 0.5 * (1 + t)
        return outer + (0.5 * x) * (1 - t * t) * slope
    }
}
