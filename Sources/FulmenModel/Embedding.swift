/// The input of the transformer: token embedding plus learned position embedding.
///
/// Shapes: `tokens` (B, T); `output` (B, T, C); `tokenEmbedding` wte (V, C); `positionEmbedding` wpe (T max, C).
/// https://pytorch.org/docs/stable/generated/torch.nn.Embedding.html
enum Embedding {
    /// `output[b, t] = wte[tokens[b, t]] + wpe[t]`.
    static func forward(
        output: FloatPointer, tokens: UnsafePointer<Int32>, tokenEmbedding: UnsafePointer<Float>,
        positionEmbedding: UnsafePointer<Float>, batch: Int, length: Int, channels c: Int
    ) {
        for b in 0..<batch {
            for t in 0..<length {
                let y = output + (b * length + t) * c
                let w = tokenEmbedding + Int(tokens[b * length + t]) * c
                let p = positionEmbedding + t * c
                for i in 0..<c { y[i] = w[i] + p[i] }
            }
        }
    }

    /// Adds each row's output gradient into the rows of wte and wpe it came from.
    static func backward(
        tokenEmbeddingGradient dwte: FloatPointer, positionEmbeddingGradient dwpe: FloatPointer,
        outputGradient dy: UnsafePointer<Float>, tokens: UnsafePointer<Int32>, batch: Int, length: Int, channels c: Int
    ) {
        for b in 0..<batch {
            for t in 0..<length {
                let g = dy + (b * length + t) * c
                VectorMath.add(dwte + Int(tokens[b * length + t]) * c, g, c)
                VectorMath.add(dwpe + t * c, g, c)
            }
        }
    }
}
