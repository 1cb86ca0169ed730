import FulmenLlama

/// The arithmetic of one LoRA training step on a Llama model: the matrix products it runs and the FLOPs it is
/// credited with, the same for Fulmen and PyTorch.
///
/// FLOPs per token = 4·N + 6·N_LoRA + 12·L·(H·d_head)·T, where N counts the frozen base's matrix weights (q, k, v,
/// o, gate, up, down in every block, and the LM head), each used in the forward pass (2 FLOPs a weight) and in the
/// input gradient (2 more), never in a weight gradient; N_LoRA counts the adapters' weights (forward, input and
/// weight gradients: 6); and attention's two products (scores and mix: 4·H·d_head·T a token a layer forward,
/// three times that with the backward pass) are counted over the full T×T square, as benchmarks/model counts them.
struct LoRAWorkload {
    let config: LlamaConfig
    let batch: Int
    let length: Int
    let rank: Int

    /// (output, input) of every adapted matrix of one block: q, k, v, o, gate, up, down.
    var blockMatrices: [(output: Int, input: Int)] {
        let (c, q, kv, f) = (config.embeddingSize, config.queryWidth, config.keyValueWidth, config.feedForwardSize)
        return [(q, c), (kv, c), (kv, c), (c, q), (f, c), (f, c), (c, f)]
    }

    /// Rows of every product: the step's tokens.
    var rows: Int { batch * length }

    /// N: the frozen matrix weights a token passes through, the LM head included.
    var baseMatrixWeights: Int {
        config.layerCount * blockMatrices.reduce(0) { $0 + $1.output * $1.input }
            + config.vocabularySize * config.embeddingSize
    }

    /// N_LoRA: the adapters' weights, r·(in + out) for each adapted matrix.
    var adapterWeights: Int { config.layerCount * blockMatrices.reduce(0) { $0 + rank * ($1.output + $1.input) } }

    /// FLOPs credited per trained token (see the type's description).
    var flopsPerToken: Double {
        4 * Double(baseMatrixWeights) + 6 * Double(adapterWeights)
            + 12 * Double(config.layerCount * config.queryWidth * length)
    }

    /// The sgemm products of one step on the base weights, as (m, n, k, transposeB, count): each matrix's forward
    /// product `X·Wᵀ` (m = rows, n = output, k = input) and its input gradient `dY·W` (m = rows, n = input,
    /// k = output), per block and for the LM head.
    var products: [(m: Int, n: Int, k: Int, transposeB: Bool, count: Int)] {
        var result: [(m: Int, n: Int, k: Int, transposeB: Bool, count: Int)] = []
        var seen: [String: Int] = [:]
        func add(_ n: Int, _ k: Int, _ transposeB: Bool, _ count: Int) {
            let key = "\(n)x\(k)x\(transposeB)"
            if let i = seen[key] {
                result[i].count += count
            } else {
                seen[key] = result.count
                result.append((rows, n, k, transposeB, count))
            }
        }
        for (output, input) in blockMatrices {
            add(output, input, true, config.layerCount)
            add(input, output, false, config.layerCount)
        }
        add(config.vocabularySize, config.embeddingSize, true, 1)
        add(config.embeddingSize, config.vocabularySize, false, 1)
        return result
    }
}
