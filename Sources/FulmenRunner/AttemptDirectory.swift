public import FulmenCore
import Foundation
import Synchronization

/// The attempts a runner pool is playing, as its HTTP endpoint finds them.
///
/// Each episode is listed while it runs, with a secret token of its own: a program calling the endpoint under
/// the attempt's path proves with the token that it is that attempt's agent, so its model calls, rewards and
/// spans are recorded under that attempt and no other. A finished attempt is remembered for a while, so a late
/// call is told that its attempt has ended rather than that it never existed.
public final class AttemptDirectory: Sendable {
    /// Why a call under an attempt's path is refused.
    public enum Refusal: Error, Sendable, Equatable {
        /// No attempt of that id runs on this pool, nor ended here recently.
        case unknownAttempt
        /// The call's token is missing or is not the attempt's.
        case wrongToken
        /// The attempt has ended: its token has expired.
        case finished
    }

    private struct Listing {
        let rollout: RolloutID
        let token: String
        let context: RolloutContext
    }

    private struct Ended {
        let rollout: RolloutID
        let token: String
    }

    private struct State {
        var live: [AttemptID: Listing] = [:]
        var ended: [AttemptID: Ended] = [:]
        /// Ended attempts, oldest first, so the oldest are forgotten once ``AttemptDirectory/endedCapacity`` is reached.
        var endedOrder: [AttemptID] = []
        var baseURL: String?
    }

    /// How many ended attempts are remembered.
    static let endedCapacity = 4096

    private let state = Mutex(State())

    public init() {}

    /// The URL the pool's endpoint is reachable at (e.g. `http://10.0.0.5:7400`), once it serves one; episodes
    /// started after this tell their agents where to call (``RolloutContext/endpoint``).
    public var baseURL: String? {
        get { state.withLock { $0.baseURL } }
        set { state.withLock { $0.baseURL = newValue.map { $0.hasSuffix("/") ? String($0.dropLast()) : $0 } } }
    }

    /// The playing attempt `attempt` of `rollout`, when `token` is its token.
    public func find(rollout: RolloutID, attempt: AttemptID, token: String?) -> Result<RolloutContext, Refusal> {
        state.withLock { state in
            if let listing = state.live[attempt], listing.rollout == rollout {
                return Self.matches(token, listing.token) ? .success(listing.context) : .failure(.wrongToken)
            }
            if let ended = state.ended[attempt], ended.rollout == rollout {
                return .failure(Self.matches(token, ended.token) ? .finished : .wrongToken)
            }
            return .failure(.unknownAttempt)
        }
    }

    /// Where the agent of a starting attempt reaches the endpoint, with a fresh token; `nil` while the pool
    /// serves no endpoint.
    func access(rollout: RolloutID, attempt: AttemptID) -> AttemptEndpoint? {
        baseURL.map { AttemptEndpoint(server: $0, rollout: rollout, attempt: attempt, token: Self.makeToken()) }
    }

    /// Lists a starting episode: calls carrying its endpoint token reach `context`.
    func open(_ context: RolloutContext) {
        guard let token = context.endpoint?.token else { return }
        state.withLock { state in
            state.live[context.attempt] = Listing(rollout: context.rollout.id, token: token, context: context)
        }
    }

    /// Moves an episode that ended to the remembered ones: calls under it are refused from now on.
    func close(_ attempt: AttemptID) {
        state.withLock { state in
            guard let listing = state.live.removeValue(forKey: attempt) else { return }
            state.ended[attempt] = Ended(rollout: listing.rollout, token: listing.token)
            state.endedOrder.append(attempt)
            if state.endedOrder.count > Self.endedCapacity {
                let forgotten = state.endedOrder.count - Self.endedCapacity / 2
                for attempt in state.endedOrder.prefix(forgotten) { state.ended[attempt] = nil }
                state.endedOrder.removeFirst(forgotten)
            }
        }
    }

    /// 128 random bits, hex.
    private static func makeToken() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<2).map { _ in
            let value = generator.next() as UInt64
            let hex = String(value, radix: 16)
            return String(repeating: "0", count: 16 - hex.count) + hex
        }.joined()
    }

    /// Compares tokens in time independent of where they first differ.
    private static func matches(_ given: String?, _ token: String) -> Bool {
        guard let given else { return false }
        let (a, b) = (Array(given.utf8), Array(token.utf8))
        guard a.count == b.count else { return false }
        return zip(a, b).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }
}

/// Where an episode's agent reaches the pool's OpenAI-compatible endpoint, and the token that proves it is
/// this attempt's agent. An external agent process gets these as `OPENAI_BASE_URL`, `OPENAI_API_KEY` and
/// `FULMEN_REWARD_URL`.
public struct AttemptEndpoint: Sendable, Hashable {
    /// The attempt's path prefix on the pool's endpoint, e.g. `http://host:7400/rollouts/r-1/attempts/r-1.a1`.
    public let attemptURL: String
    /// The per-attempt token, sent as `Authorization: Bearer TOKEN`.
    public let token: String

    init(server: String, rollout: RolloutID, attempt: AttemptID, token: String) {
        self.attemptURL = "\(server)/rollouts/\(Self.escaped(rollout.rawValue))/attempts/\(Self.escaped(attempt.rawValue))"
        self.token = token
    }

    /// The OpenAI API base URL for this attempt (`…/v1`).
    public var openAIBaseURL: String { attemptURL + "/v1" }
    /// Where the agent posts rewards (`{"value": 1.0, "name": "reward", "final": true}`).
    public var rewardURL: String { attemptURL + "/reward" }
    /// Where the agent exports its own spans as OTLP/HTTP JSON.
    public var tracesURL: String { openAIBaseURL + "/traces" }

    private static func escaped(_ component: String) -> String {
        component.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(["/"])) ?? component
    }
}
