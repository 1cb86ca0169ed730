import ArgumentParser
import Foundation
import FulmenCore
import FulmenModel
import FulmenPolicy
import FulmenTrainer
import ZMQActorSystem

extension Fulmen {
    /// Lists an experiment's rollouts.
    struct Rollouts: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List an experiment's rollouts: id, status, attempts, mode.",
            discussion: """
                Example:
                  fulmen rollouts EXPERIMENT-ID --status failed
                  fulmen traces ROLLOUT-ID
                """
        )

        @Argument(help: "The experiment's id.")
        var experiment: String

        @Option(help: "Only rollouts in this status (queuing, preparing, running, requeuing, succeeded, failed, cancelled).")
        var status: String?

        @Option(help: "The most rollouts to list.")
        var limit = 100

        @OptionGroup var store: StoreOptions

        func validate() throws {
            if let status, RolloutStatus(rawValue: status) == nil {
                throw ValidationError(
                    "--status: '\(status)' is not one of \(RolloutStatus.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            if limit < 1 { throw ValidationError("--limit must be at least 1, not \(limit)") }
        }

        func run() async throws {
            try await store.withStore(as: $StoreReads<ZMQActorSystem>.self) { store in
                let statuses = Set([status].compactMap { $0.flatMap(RolloutStatus.init(rawValue:)) })
                let page = try await store.rollouts(
                    RolloutQuery(statuses: statuses, experiment: ExperimentID(experiment), page: PageRequest(limit: limit)))
                if page.items.isEmpty { print("no rollouts") }
                for rollout in page.items {
                    print("\(rollout.id)  \(rollout.status.rawValue)  attempts \(rollout.attempts)  \(rollout.task)/\(rollout.mode.rawValue)")
                }
                if page.next != nil { print("… more: raise --limit") }
            }
        }
    }

    /// Shows what happened in a rollout: its spans as a tree.
    struct Traces: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show a rollout's latest attempt as a tree of spans: model calls (prompt, response, log-probability), tool calls, rewards.",
            discussion: """
                Example:
                  fulmen traces ex-1a2b/12/3/0
                """
        )

        @Argument(help: "The rollout's id.")
        var rollout: String

        @OptionGroup var store: StoreOptions

        func run() async throws {
            try await store.withStore(as: $StoreReads<ZMQActorSystem>.self) { store in
                let detail = try await store.rollout(RolloutID(rollout))
                print("\(detail.rollout.id)  \(detail.rollout.status.rawValue)  \(detail.rollout.task)  attempts: \(detail.attempts.map { "\($0.id) \($0.status.rawValue) on \($0.worker)\($0.error.map { " (\($0))" } ?? "")" }.joined(separator: ", "))")
                let spans = try await store.allSpans(of: RolloutID(rollout)).map(\.span)
                let children = Dictionary(grouping: spans) { $0.parent ?? "" }
                let tokenizers = ModelTokenizers()
                func show(_ span: Span, depth: Int) {
                    print(String(repeating: "  ", count: depth) + Self.describe(span, tokenizers: tokenizers))
                    for child in (children[span.id] ?? []).sorted(by: { $0.start < $1.start }) { show(child, depth: depth + 1) }
                }
                let ids = Set(spans.map(\.id))
                for root in spans.filter({ $0.parent.map { !ids.contains($0) } ?? true }).sorted(by: { $0.start < $1.start }) {
                    show(root, depth: 0)
                }
            }
        }

        /// One line for `span`; a model call's token ids decoded by the tokenizer of the model the span names (the
        /// ids themselves when that model is not on this host).
        static func describe(_ span: Span, tokenizers: ModelTokenizers) -> String {
            typealias Key = SpanConvention.Attribute
            let milliseconds = String(format: "%.1f ms", span.end.timeIntervalSince(span.start) * 1000)
            var text = "\(span.name) [\(milliseconds)]"
            var model: String?
            if case .string(let name) = span.attributes[Key.model] { model = name }
            let tokenizer = Result { () throws(PolicyError) in try tokenizers.tokenizer(forModel: model) }
            func tokens(_ key: String) -> String? {
                guard case .ints(let ids) = span.attributes[key] else { return nil }
                let tokens = ids.map { Int32(truncatingIfNeeded: $0) }
                guard case .success(let tokenizer) = tokenizer, let decoded = try? tokenizer.decode(tokens) else {
                    return "ids \(ids)"
                }
                return decoded.debugDescription
            }
            switch span.name {
            case SpanConvention.modelCall:
                if case .string(let agent) = span.attributes[Key.agent] { text += " \(agent)" }
                if let model {
                    text += " model \(model)"
                    if case .bool(true) = span.attributes[Key.adapter] { text += " (LoRA)" }
                }
                if case .failure(let error) = tokenizer { text += " (not decoded: \(error))" }
                if let prompt = tokens(Key.promptTokens) { text += " prompt \(prompt)" }
                if let response = tokens(Key.responseTokens) { text += " → \(response)" }
                if case .floats(let values) = span.attributes[Key.logProbabilities] {
                    text += String(format: " (log p %.2f)", values.reduce(0, +))
                }
                if case .int(let version) = span.attributes[Key.weightsVersion] { text += " weights v\(version)" }
            case SpanConvention.toolCall:
                if case .string(let name) = span.attributes[Key.tool] { text += " \(name)" }
                if case .string(let input) = span.attributes[Key.toolInput] { text += " \(input.debugDescription)" }
                if case .string(let output) = span.attributes[Key.toolOutput] { text += " → \(output.debugDescription)" }
            case SpanConvention.reward:
                if case .string(let name) = span.attributes[Key.rewardName] { text += " \(name)" }
                if case .double(let value) = span.attributes[Key.rewardValue] { text += " = \(value)" }
                if case .bool(true) = span.attributes[Key.rewardFinal] { text += " (final)" }
            default:
                break
            }
            if let error = span.error { text += " ERROR: \(error)" }
            return text
        }
    }

    /// Writes an experiment's training samples or rollouts as JSON lines.
    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Export an experiment's triplets (training samples) or rollouts as JSON lines, for use elsewhere.",
            discussion: """
                Triplets are made from each settled training rollout's spans with the experiment's own \
                credit assignment; rollouts that give none are counted on stderr.

                Example:
                  fulmen export EXPERIMENT-ID --format jsonl > triplets.jsonl
                  fulmen export EXPERIMENT-ID --records rollouts --output rollouts.jsonl
                """
        )

        enum Records: String, ExpressibleByArgument, CaseIterable {
            case triplets, rollouts
        }

        @Argument(help: "The experiment's id.")
        var experiment: String

        @Option(help: "The output format; jsonl (one JSON object per line) is the one there is.")
        var format = "jsonl"

        @Option(help: "What to export: triplets or rollouts.")
        var records: Records = .triplets

        @Option(help: "Write here instead of standard output.")
        var output: String?

        @OptionGroup var store: StoreOptions

        func validate() throws {
            if format != "jsonl" { throw ValidationError("--format: '\(format)' is not supported; use jsonl") }
        }

        func run() async throws {
            try await store.withStore(as: $StoreReads<ZMQActorSystem>.self) { store in
                let experiment = try await store.experiment(ExperimentID(self.experiment))
                let spec = try ExperimentSpec.parse(yaml: String(decoding: experiment.spec, as: UTF8.self))
                let adapter = TripletAdapter(spec.adapter)
                let sink: FileHandle
                if let output {
                    guard FileManager.default.createFile(atPath: output, contents: nil),
                        let handle = FileHandle(forWritingAtPath: output)
                    else { throw ValidationError("cannot write \(output)") }
                    sink = handle
                } else {
                    sink = .standardOutput
                }
                let encoder = JSONEncoder()
                encoder.outputFormatting = .sortedKeys
                var written = 0
                var unusable = AdapterBatch()
                var page = PageRequest(limit: 500)
                while true {
                    let rollouts = try await store.rollouts(
                        RolloutQuery(statuses: [.succeeded], experiment: experiment.id, mode: .train, page: page))
                    for rollout in rollouts.items {
                        switch records {
                        case .rollouts:
                            sink.write(try encoder.encode(rollout) + Data("\n".utf8))
                            written += 1
                        case .triplets:
                            let batch = adapter.adapt([(rollout.id, try await store.allSpans(of: rollout.id))])
                            unusable.unusable += batch.unusable
                            for triplet in batch.triplets {
                                sink.write(try encoder.encode(triplet) + Data("\n".utf8))
                                written += 1
                            }
                        }
                    }
                    guard let next = rollouts.next else { break }
                    page.after = next
                }
                FileHandle.standardError.write(Data("exported \(written) \(records.rawValue)\(unusable.unusable.isEmpty ? "" : "; \(unusable.unusableSummary)")\n".utf8))
            }
        }
    }
}
