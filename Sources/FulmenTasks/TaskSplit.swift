import FulmenModel

/// A task's inputs for training and for validation, drawn from a seed.
///
/// The same seed and counts always give the same inputs; the two sets share no input (nor, where a task
/// says so, anything an input is built on, such as a database). Validation is drawn from a random stream
/// of its own, so a split's validation set does not change when only the training count does.
public struct TaskSplit<Input> {
    public var train: [Input]
    public var validation: [Input]

    public init(train: [Input], validation: [Input]) {
        self.train = train
        self.validation = validation
    }

    /// The same split with each input transformed, e.g. encoded as JSON for enqueuing.
    public func map<T, E: Error>(_ transform: (Input) throws(E) -> T) throws(E) -> TaskSplit<T> {
        var train: [T] = []
        for input in self.train { train.append(try transform(input)) }
        var validation: [T] = []
        for input in self.validation { validation.append(try transform(input)) }
        return TaskSplit<T>(train: train, validation: validation)
    }
}

extension TaskSplit: Sendable where Input: Sendable {}
extension TaskSplit: Equatable where Input: Equatable {}
extension TaskSplit: Hashable where Input: Hashable {}
extension TaskSplit: Codable where Input: Codable {}

extension TaskSplit {
    /// Draws a split: validation inputs first from one stream, then training inputs from another, each
    /// distinct by `key` and no training input sharing a key with a validation one.
    ///
    /// - Throws: ``TaskError/invalidConfiguration(task:reason:)`` when a count is negative or the task
    ///   cannot draw that many distinct inputs (its input space is too small for the split asked).
    static func draw<Key: Hashable>(
        task: String, seed: UInt64, trainCount: Int, validationCount: Int, key: (Input) -> Key,
        _ next: (inout SeededRandom) throws(TaskError) -> Input
    ) throws(TaskError) -> TaskSplit<Input> {
        guard trainCount >= 0, validationCount >= 0 else {
            throw .invalidConfiguration(
                task: task, reason: "split counts must not be negative (train \(trainCount), validation \(validationCount))")
        }
        var streams = SeededRandom(seed: seed)
        var validationRandom = SeededRandom(seed: streams.next())
        var trainRandom = SeededRandom(seed: streams.next())
        var seen = Set<Key>()

        func drawDistinct(_ count: Int, _ random: inout SeededRandom, _ part: String) throws(TaskError) -> [Input] {
            var inputs: [Input] = []
            inputs.reserveCapacity(count)
            var attempts = 0
            let attemptLimit = 50 * count + 1_000
            while inputs.count < count {
                guard attempts < attemptLimit else {
                    throw .invalidConfiguration(
                        task: task,
                        reason: "drew only \(inputs.count) distinct \(part) inputs of the \(count) asked in "
                            + "\(attempts) tries: the task's inputs are too few for this split")
                }
                attempts += 1
                let input = try next(&random)
                if seen.insert(key(input)).inserted { inputs.append(input) }
            }
            return inputs
        }

        let validation = try drawDistinct(validationCount, &validationRandom, "validation")
        let train = try drawDistinct(trainCount, &trainRandom, "training")
        return TaskSplit(train: train, validation: validation)
    }
}
