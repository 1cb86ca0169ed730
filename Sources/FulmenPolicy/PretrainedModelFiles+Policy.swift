import FulmenLlama
import Tokenizers

extension PretrainedModelReference {
    /// The model's files opened on this host (its weights not yet read).
    ///
    /// - Throws: ``PolicyError`` naming the model and what failed.
    func open() throws(PolicyError) -> PretrainedModelFiles {
        let path = try locate()
        do {
            return try PretrainedModelFiles.open(path: path)
        } catch {
            throw .unreadableModel(self, reason: "\(error)")
        }
    }
}

extension PretrainedModelFiles {
    /// The decoder with the files' weights, for ``PolicyError``'s callers.
    func model(threads: Int, reference: PretrainedModelReference) throws(PolicyError) -> Llama {
        do {
            return try model(threadCount: threads)
        } catch {
            throw .unreadableModel(reference, reason: "\(error)")
        }
    }

    /// The chat template, or the template's own error (the endpoint names it to the client).
    var template: Result<ChatTemplate, ChatTemplateError> {
        chatTemplate.mapError { error in
            if case .chatTemplate(_, let reason) = error { return reason }
            return .unrecognized("\(error)")
        }
    }
}
