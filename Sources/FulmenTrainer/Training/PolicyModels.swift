public import FulmenModel

/// A policy model an experiment can train, by the name its spec gives (`model: { preset: tiny }`).
public struct PolicyModel: Sendable, Hashable {
    public var name: String
    public var config: GPTConfig

    public init(name: String, config: GPTConfig) {
        self.name = name
        self.config = config
    }
}

/// The policy models experiments can name. A model family joins by adding its entries here.
public enum PolicyModels {
    /// The reference's `tiny` GPT (0.8M parameters, context 128).
    public static let tiny = PolicyModel(name: "tiny", config: .tiny)
    /// The reference's `small` GPT (4.9M parameters, context 256).
    public static let small = PolicyModel(name: "small", config: .small)

    /// Every model a spec may name, the default first.
    public static let all = [tiny, small]

    /// The model a spec that names none trains.
    public static var `default`: PolicyModel { all[0] }

    /// The model named `name`, if any.
    public static func named(_ name: String) -> PolicyModel? { all.first { $0.name == name } }
}
