/// What the adapter trains and how it credits rewards: part of an experiment's specification.
public struct AdapterOptions: Codable, Sendable, Equatable {
    /// How rewards are credited to model calls.
    public var creditAssignment: CreditAssignment
    /// The sub-agent being trained (the `agent.name` of its model calls); `nil` trains on every model call.
    /// The calls of other sub-agents are left out of the samples, so their models stay as they are.
    public var agent: String?
    /// The name of the reward to train on; `nil` takes the episode's final reward (the last reward marked
    /// final). With a name, only rewards of that name count: the final one is the last of them marked
    /// final, or, when none is marked, the last of them.
    public var rewardName: String?

    public init(creditAssignment: CreditAssignment = .finalReward, agent: String? = nil, rewardName: String? = nil) {
        self.creditAssignment = creditAssignment
        self.agent = agent
        self.rewardName = rewardName
    }

    private enum CodingKeys: String, CodingKey, CaseIterable {
        case creditAssignment, agent, rewardName
    }

    /// Reads options in which every field may be left out (credit assignment then defaults to final).
    public init(from decoder: any Decoder) throws {
        try decoder.refuseUnknownKeys(known: CodingKeys.allCases.map(\.stringValue))
        let container = try decoder.container(keyedBy: CodingKeys.self)
        creditAssignment =
            try container.decodeIfPresent(CreditAssignment.self, forKey: .creditAssignment) ?? .finalReward
        agent = try container.decodeIfPresent(String.self, forKey: .agent)
        rewardName = try container.decodeIfPresent(String.self, forKey: .rewardName)
    }
}
