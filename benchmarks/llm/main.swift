import Foundation
// The LLM benchmark (see benchmarks/README.md, `## llm`): SmolLM2-135M-Instruct from its GGUF file on FulmenLlama,
// measured with the protocol that llamacpp_reference.py and torch_lora_reference.py follow on the other side.
// Each command prints what it measured and ends with one line of key=value pairs.
//
//     LLMBenchmark infer --model GGUF --threads N [--prompt 512] [--decode-prompt 32] [--new 64]
//                        [--batches 1,16,32] [--repeats 3]
//         prefill tokens/s (one prompt, logits of its last position) and decode tokens/s at each batch size
//     LLMBenchmark lora --model GGUF --threads N [--batch 4] [--length 128] [--rank 16] [--warmup 2] [--steps 8]
//         LoRA training tokens/s and GFLOP/s (forward, backward and AdamW step; FLOPs as LoRAWorkload counts them)
//     LLMBenchmark sgemm --model GGUF --threads N [--batch 4] [--length 128] [--rank 16]
//         cblas_sgemm GFLOP/s on the products of one LoRA training step of that shape (OpenBLAS with N threads)
//     LLMBenchmark logits --model F32-GGUF --reference DIR --threads N
//         the largest logit difference from llama.cpp's (DIR/logits.json and DIR/logits.f32), over the row's range
//     LLMBenchmark tokenizer --model GGUF --reference JSON
//         strings whose Fulmen token ids differ from llama.cpp's (JSON written by llamacpp_reference.py tokenize)

let options = Options(CommandLine.arguments)
do {
    switch options.command {
    case .infer: try InferenceMeasurement(options).run()
    case .lora: try LoRATrainingMeasurement(options).run()
    case .sgemm: try SGEMMMeasurement(options).run()
    case .logits: try LogitsComparison(options).run()
    case .tokenizer: try TokenizerComparison(options).run()
    }
} catch {
    fail("\(error)")
}
