import FulmenModel
import ModelFiles

/// How a Llama's one-sequence decoding steps read the weight matrices.
///
/// Decoding one token reads every weight once, so it is bound by memory bandwidth: SmolLM2-135M's Float32 matrices
/// are 540 MB a token, its Q4_1/Q8_0 blocks 96 MB. Prefill, batched decoding and training always use the Float32
/// weights (OpenBLAS products).
public enum LlamaDecodingWeights: Sendable, Equatable, CustomStringConvertible {
    /// The Float32 weights, through OpenBLAS `sgemv`.
    case float32
    /// Compact blocks (``QuantizedMatrix``): the GGUF file's own Q8_0/Q4_1 blocks while the weights are the file's,
    /// otherwise the Float32 weights re-quantised to Q8_0. Logits differ from the Float32 path's by the
    /// quantisation of the weights (none for the file's own blocks: they are the values the Float32 copy holds).
    case compact

    public var description: String {
        switch self {
        case .float32: "float32"
        case .compact: "compact"
        }
    }
}

/// The matrices of a Llama as ``QuantizedMatrix`` values, fused as the Float32 layout fuses them (q, k, v as one
/// matrix; gate and up as one), for ``LlamaDecodingWeights/compact`` decoding.
final class LlamaCompactWeights {
    struct Block {
        let qkv: QuantizedMatrix
        let attentionOutput: QuantizedMatrix
        let gateUp: QuantizedMatrix
        let down: QuantizedMatrix
    }

    let blocks: [Block]
    /// The LM head (V, C): `output.weight`, or `token_embd.weight` when tied.
    let output: QuantizedMatrix

    /// Bytes of all the blocks: what one decoding step reads.
    var byteCount: Int {
        output.byteCount + blocks.reduce(0) {
            $0 + $1.qkv.byteCount + $1.attentionOutput.byteCount + $1.gateUp.byteCount + $1.down.byteCount
        }
    }

    /// Each matrix from the file's own blocks when its tensors are Q8_0 or Q4_1 (one type per fused matrix),
    /// otherwise re-quantised to Q8_0 from the model's Float32 weights (`parameters`, laid out by `layout`), which
    /// must be the file's values. With no file, every matrix is re-quantised.
    init(config: LlamaConfig, layout: LlamaParameterLayout, parameters: UnsafePointer<Float>, file: GGUFFile?) {
        let c = config.embeddingSize
        let f = config.feedForwardSize
        func matrix(_ names: [String], offset: Int, rows: Int, columns: Int) -> QuantizedMatrix {
            if let file, let fromFile = try? QuantizedMatrix(gguf: file, stacking: names), fromFile.rows == rows,
                fromFile.columns == columns
            {
                return fromFile
            }
            do {
                return try QuantizedMatrix(
                    quantizingToQ8_0: parameters + offset, rows: rows, columns: columns, name: names[0])
            } catch {
                preconditionFailure("LlamaCompactWeights: \(error) (LlamaConfig.validate admits no such width)")
            }
        }
        blocks = layout.blocks.enumerated().map { l, block in
            let p = "blk.\(l)."
            return Block(
                qkv: matrix(
                    [p + "attn_q.weight", p + "attn_k.weight", p + "attn_v.weight"], offset: block.qkv,
                    rows: config.qkvWidth, columns: c),
                attentionOutput: matrix(
                    [p + "attn_output.weight"], offset: block.attentionOutput, rows: c, columns: config.queryWidth),
                gateUp: matrix(
                    [p + "ffn_gate.weight", p + "ffn_up.weight"], offset: block.gateUp, rows: 2 * f, columns: c),
                down: matrix([p + "ffn_down.weight"], offset: block.down, rows: c, columns: f))
        }
        output = matrix(
            [config.tiedEmbeddings ? "token_embd.weight" : "output.weight"], offset: layout.output,
            rows: config.vocabularySize, columns: c)
    }
}

extension Llama {
    /// How one-sequence decoding steps read the weights (see ``LlamaDecodingWeights``). A model loaded from a GGUF
    /// file starts `.compact`, one made from Float32 weights `.float32`. Setting `.compact` on a Float32 model
    /// re-quantises its matrices to Q8_0 (about 0.3 s and 143 MB for SmolLM2-135M), kept beside the Float32 weights;
    /// setting `.float32` frees them.
    public var decodingWeights: LlamaDecodingWeights {
        get { decodingWeightsSetting }
        set {
            decodingWeightsSetting = newValue
            if newValue == .float32 { compactWeightsStorage = nil }
        }
    }

    /// Bytes of the compact weights a decoding step reads, or nil when they are not made (yet).
    public var compactWeightsByteCount: Int? { compactWeightsStorage?.byteCount }

    /// The compact weights, made on first use (from ``weightsFile`` while the weights are still the file's).
    var compactWeights: LlamaCompactWeights {
        if let compactWeightsStorage { return compactWeightsStorage }
        let made = LlamaCompactWeights(
            config: config, layout: layout, parameters: parameters.base, file: weightsFile)
        compactWeightsStorage = made
        return made
    }

    /// Call after changing the Float32 weights: the compact copy and the file's blocks no longer match them.
    func weightsDidChange() {
        compactWeightsStorage = nil
        weightsFile = nil
    }
}
