/// How Hugging Face's Llama names its tensors against the GGUF names the model's layout uses.
///
/// | GGUF (layout) | Hugging Face |
/// |---|---|
/// | `token_embd.weight` | `model.embed_tokens.weight` |
/// | `blk.N.attn_norm.weight` | `model.layers.N.input_layernorm.weight` |
/// | `blk.N.attn_q/k/v.weight` | `model.layers.N.self_attn.q_proj/k_proj/v_proj.weight` |
/// | `blk.N.attn_output.weight` | `model.layers.N.self_attn.o_proj.weight` |
/// | `blk.N.ffn_norm.weight` | `model.layers.N.post_attention_layernorm.weight` |
/// | `blk.N.ffn_gate/up/down.weight` | `model.layers.N.mlp.gate_proj/up_proj/down_proj.weight` |
/// | `output_norm.weight` | `model.norm.weight` |
/// | `output.weight` | `lm_head.weight` |
///
/// Both store a Linear weight as `[out, in]`, so shapes agree; only the rows of q and k differ in order
/// (``RotaryRowOrder``).
enum HuggingFaceTensorNames {
    /// The Hugging Face name of the tensor the layout calls `ggufName`, or nil for a name outside the table.
    static func huggingFaceName(ggufName: String) -> String? {
        switch ggufName {
        case "token_embd.weight": return "model.embed_tokens.weight"
        case "output_norm.weight": return "model.norm.weight"
        case "output.weight": return "lm_head.weight"
        default: break
        }
        let parts = ggufName.split(separator: ".", maxSplits: 2)
        guard parts.count == 3, parts[0] == "blk", let layer = Int(parts[1]) else { return nil }
        let suffix: String
        switch parts[2] {
        case "attn_norm.weight": suffix = "input_layernorm.weight"
        case "attn_q.weight": suffix = "self_attn.q_proj.weight"
        case "attn_k.weight": suffix = "self_attn.k_proj.weight"
        case "attn_v.weight": suffix = "self_attn.v_proj.weight"
        case "attn_output.weight": suffix = "self_attn.o_proj.weight"
        case "ffn_norm.weight": suffix = "post_attention_layernorm.weight"
        case "ffn_gate.weight": suffix = "mlp.gate_proj.weight"
        case "ffn_up.weight": suffix = "mlp.up_proj.weight"
        case "ffn_down.weight": suffix = "mlp.down_proj.weight"
        default: return nil
        }
        return "model.layers.\(layer).\(suffix)"
    }

    /// Whether the layout's tensor `ggufName` is a q or k projection, whose rows GGUF orders for adjacent rotary
    /// pairs.
    static func isRotaryProjection(ggufName: String) -> Bool {
        ggufName.hasSuffix(".attn_q.weight") || ggufName.hasSuffix(".attn_k.weight")
    }

    /// Whether a Hugging Face tensor carries nothing the model needs: the rotary frequencies older transformers
    /// saved (`model.layers.N.self_attn.rotary_emb.inv_freq`), which Fulmen computes from the rope base.
    static func isDerived(huggingFaceName name: String) -> Bool {
        name.hasSuffix(".rotary_emb.inv_freq")
    }
}
