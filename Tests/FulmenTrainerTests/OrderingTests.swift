import FulmenCore
import FulmenTrainer
import Testing

/// Spans arrive in the order they end, batched per task: the store's order is not time order.
@Suite("Span order")
struct OrderingTests {
    typealias T = SpanTree

    /// The episode of ``arrivingOutOfOrder``, with spans in time order.
    let spans: [Span] = [
        T.call("2", from: 1, to: 2, prompt: [1], response: [2]),
        T.reward("3", at: 2.5, 0.5),
        T.call("4", from: 3, to: 4, prompt: [1, 2, 3], response: [4]),
        T.reward("5", at: 5, 1, final: true),
        T.episode(),
    ]

    @Test(arguments: CreditAssignment.allCases)
    func timeOrderNotArrivalOrderDecides(mode: CreditAssignment) throws {
        let adapter = TripletAdapter(AdapterOptions(creditAssignment: mode))
        let inOrder = try adapter.adapt(T.stored(spans), of: T.rollout)
        // The root first, then the final reward, the second call, the intermediate reward, the first call.
        let arriving = try adapter.adapt(T.stored(spans.reversed()), of: T.rollout)
        #expect(arriving.triplets == inOrder.triplets)
        switch mode {
        case .finalReward:
            #expect(inOrder.triplets.map(\.prompt) == [[1], [1, 2, 3]])
            #expect(inOrder.triplets.map(\.reward) == [1, 1])
        case .intermediate:
            #expect(inOrder.triplets.map(\.prompt) == [[1], [1, 2, 3]])
            #expect(inOrder.triplets.map(\.reward) == [0.5, 1])
        case .returnToGo:
            #expect(inOrder.triplets.map(\.prompt) == [[1], [1, 2, 3]])
            #expect(inOrder.triplets.map(\.reward) == [1.5, 1])
        case .trajectory:
            #expect(inOrder.triplets.map(\.response) == [[2, 3, 4]])
        }
    }

    @Test func aLaterFinalRewardThatArrivedFirstIsStillTheLast() throws {
        let early = T.reward("3", at: 3, 0.25, final: true)
        let late = T.reward("4", at: 4, 0.75, final: true)
        let call = T.call("2", from: 1, to: 2, prompt: [1], response: [2])
        let adapted = try TripletAdapter().adapt(T.stored([late, call, early]), of: T.rollout)
        #expect(adapted.triplets.map(\.reward) == [0.75])
    }
}
