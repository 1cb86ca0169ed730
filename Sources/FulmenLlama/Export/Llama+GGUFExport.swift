public import ModelFiles

extension Llama {
    /// Writes the model as a GGUF file that llama.cpp (and Ollama, LM Studio) runs, and ``Llama/init(gguf:threadCount:cacheBlockSize:decodingWeights:)``
    /// loads back: the weights of a fine-tuned model, adapters merged, for serving elsewhere.
    ///
    /// Matrices are stored as `format` (`.f16` halves the file; `.f32` keeps the weights exactly); norm vectors stay
    /// F32, as llama.cpp's converter keeps them. Tensors keep GGUF's names and row order (the model holds q and k
    /// rows permuted as llama.cpp's converter permutes them, so they are written as they are). The file is written
    /// tensor by tensor (``GGUFStreamWriter``), never whole in memory, and appears at `path` only when complete.
    ///
    /// ```swift
    /// let source = try GGUFFile(path: base)
    /// let model = try Llama(gguf: source)
    /// // ... attach adapters, train, then:
    /// try model.mergeAdapters()
    /// try model.exportGGUF(to: "agent.f16.gguf", format: .f16, metadata: source.metadata)
    /// ```
    ///
    /// - Parameters:
    ///   - metadata: The metadata of the file the model came from, carried over (tokenizer, chat template, names)
    ///     with the `llama.*` shape rewritten from ``config``. Without it the file holds the shape only: Fulmen
    ///     loads it, but llama.cpp needs a tokenizer.
    /// - Throws: ``LlamaExportError/adaptersAttached``, ``LlamaExportError/sourceMetadata(key:reason:)`` for
    ///   metadata of another model, ``LlamaExportError/file(_:)`` when writing fails.
    public func exportGGUF(to path: String, format: GGUFWriter.FloatFormat = .f16, metadata: GGUFMetadata? = nil)
        throws(LlamaExportError)
    {
        guard adapters == nil else { throw .adaptersAttached }
        let entries = try GGUFExportMetadata.entries(config: config, format: format, source: metadata)
        let stored = layout.entries.map { entry in
            (entry: entry, format: entry.shape.count == 1 ? GGUFWriter.FloatFormat.f32 : format)
        }
        do throws(GGUFError) {
            let writer = try GGUFStreamWriter(
                path: path, metadata: entries,
                tensors: stored.map {
                    GGUFTensorDeclaration(name: $0.entry.name, dimensions: $0.entry.shape.reversed(), type: $0.format.type)
                })
            for (entry, format) in stored {
                try writer.append(
                    floats: UnsafeBufferPointer(start: parameters.base + entry.offset, count: entry.count), as: format)
            }
            try writer.finish()
        } catch {
            throw .file(error)
        }
    }
}
