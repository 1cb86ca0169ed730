/// The row order of the q and k projections in GGUF files against Hugging Face's.
///
/// Hugging Face's Llama rotates the two halves of each head (`rotate_half`: dimension i pairs with i + D/2);
/// llama.cpp's converter instead permutes the rows of `q_proj` and `k_proj` within each head so that dimension i
/// and i + D/2 become adjacent rows 2i and 2i + 1, and rotates adjacent pairs. Our model runs in GGUF's order, so
/// anything indexed by those rows (LoRA's B for q and k) is permuted on the way in and back on the way out.
enum RotaryRowOrder {
    /// The GGUF row that holds Hugging Face row `row` of a projection made of heads of `headSize` rows.
    @inline(__always)
    static func ggufRow(huggingFaceRow row: Int, headSize d: Int) -> Int {
        let (head, i) = (row / d, row % d)
        let half = d / 2
        return head * d + (i < half ? 2 * i : 2 * (i - half) + 1)
    }

    /// Rows (`rows` of `width` values each) reordered from Hugging Face's order to GGUF's.
    static func toGGUF(_ values: [Float], rows: Int, width: Int, headSize: Int) -> [Float] {
        var out = values
        for row in 0..<rows {
            let target = ggufRow(huggingFaceRow: row, headSize: headSize)
            for j in 0..<width { out[target * width + j] = values[row * width + j] }
        }
        return out
    }

    /// Rows reordered from GGUF's order back to Hugging Face's (the inverse of ``toGGUF(_:rows:width:headSize:)``).
    static func toHuggingFace(_ values: [Float], rows: Int, width: Int, headSize: Int) -> [Float] {
        var out = values
        for row in 0..<rows {
            let source = ggufRow(huggingFaceRow: row, headSize: headSize)
            for j in 0..<width { out[row * width + j] = values[source * width + j] }
        }
        return out
    }
}
