import FulmenCore
import FulmenEndpoint
import FulmenModel
import FulmenRunner
import Foundation
import Synchronization
import Testing

/// The OpenAI-compatible endpoint with a real HTTP server and a real (randomly initialised) tiny policy:
/// calls made over HTTP are recorded under the attempt that made them, exactly as in-process calls are.
@Suite("Endpoint: OpenAI-compatible API")
struct EndpointTests {
    typealias Key = SpanConvention.Attribute

    @Test func chatCompletionIsRecordedUnderTheAttemptWithItsTokenIDs() async throws {
        try await EndpointFixture.with { fixture in
            let answer = Mutex<HTTPAnswer?>(nil)
            let outcome = try await fixture.play { context in
                let endpoint = try #require(context.endpoint)
                let reply = try await endpoint.chat(
                    #"{"model": "policy", "messages": [{"role": "user", "content": "Q:12+5"}], "max_tokens": 6, "logprobs": true}"#)
                #expect(reply.status == 200, "\(reply.text)")
                answer.withLock { $0 = reply }
                return 1
            }
            #expect(outcome.error == nil)
            let json = try #require(answer.withLock { $0 }).json
            let choice = try #require((json["choices"] as? [Any])?.first as? [String: Any])
            let message = try #require(choice["message"] as? [String: Any])
            let tokenIDs = try #require(choice["token_ids"] as? [Any]).ints
            #expect(message["role"] as? String == "assistant")
            #expect(json["object"] as? String == "chat.completion")
            #expect(tokenIDs.count == 6 && choice["finish_reason"] as? String == "length")
            #expect(message["content"] as? String == Tokenizer.decode(tokenIDs.map(Int32.init)))
            // The plain template: the message's text and a newline.
            #expect((json["prompt_token_ids"] as? [Any])?.ints == Array("Q:12+5\n".utf8).map(Int.init))
            let logprobs = try #require((choice["logprobs"] as? [String: Any])?["content"] as? [Any])
            #expect(logprobs.count == 6)

            let calls = outcome.spans.named(SpanConvention.modelCall)
            #expect(calls.count == 1)
            #expect([Span].ints(calls.first?.attributes[Key.promptTokens]) == Array("Q:12+5\n".utf8).map(Int.init))
            #expect([Span].ints(calls.first?.attributes[Key.responseTokens]) == tokenIDs)
            if case .floats(let recorded) = calls.first?.attributes[Key.logProbabilities] {
                let returned = try #require(choice["token_logprobs"] as? [Any]).compactMap { ($0 as? NSNumber)?.floatValue }
                #expect(zip(recorded, returned).allSatisfy { abs($0 - $1) < 1e-5 } && recorded.count == 6)
            } else {
                Issue.record("the model call recorded no log-probabilities")
            }
        }
    }

    @Test func completionsTakeTokenIDsAndLeaveTheStopSequenceOutOfTheText() async throws {
        try await EndpointFixture.with { fixture in
            _ = try await fixture.play { context in
                let endpoint = try #require(context.endpoint)
                // Greedy decoding, so the call repeats: the first reply tells which stop the second hits.
                let free = try await endpoint.complete(
                    #"{"model": "policy", "prompt": [81, 58, 49, 10], "max_tokens": 8, "temperature": 0}"#)
                #expect(free.status == 200, "\(free.text)")
                let ids = try #require(((free.json["choices"] as? [Any])?.first as? [String: Any])?["token_ids"] as? [Any]).ints
                let stop = Tokenizer.decode([Int32(ids[2])])
                let stopped = try await endpoint.complete(
                    """
                    {"model": "policy", "prompt": "Q:1\\n", "max_tokens": 8, "temperature": 0, "stop": \
                    \(String(decoding: try JSONEncoder().encode(stop), as: UTF8.self))}
                    """)
                let choice = try #require((stopped.json["choices"] as? [Any])?.first as? [String: Any])
                let firstStop = ids.firstIndex(of: ids[2])!
                #expect(choice["finish_reason"] as? String == "stop")
                #expect((choice["token_ids"] as? [Any])?.ints == Array(ids[...firstStop]), "token ids keep the stop")
                #expect(choice["text"] as? String == Tokenizer.decode(ids[..<firstStop].map(Int32.init)))
                return nil
            }
        }
    }

    @Test func streamingSendsEveryTokenIDAndTheSameTextAsAWholeReply() async throws {
        try await EndpointFixture.with { fixture in
            _ = try await fixture.play { context in
                let endpoint = try #require(context.endpoint)
                let request = #"{"model": "policy", "messages": [{"role": "user", "content": "Q:3*4"}], "max_tokens": 10, "temperature": 0"#
                let whole = try await endpoint.chat(request + "}")
                let streamed = try await endpoint.chat(request + #", "stream": true, "stream_options": {"include_usage": true}}"#)
                #expect(streamed.status == 200 && streamed.contentType == "text/event-stream")
                let events = streamed.text.components(separatedBy: "\n\n").filter { !$0.isEmpty }
                #expect(events.last == "data: [DONE]")
                let chunks = events.dropLast().compactMap {
                    (try? JSONSerialization.jsonObject(with: Data($0.dropFirst("data: ".count).utf8))) as? [String: Any]
                }
                #expect(chunks.count == events.count - 1, "a chunk is not JSON")
                let choices = chunks.compactMap { ($0["choices"] as? [Any])?.first as? [String: Any] }
                let text = choices.compactMap { ($0["delta"] as? [String: Any])?["content"] as? String }.joined()
                let ids = choices.flatMap { ($0["token_ids"] as? [Any])?.ints ?? [] }
                let wholeChoice = try #require((whole.json["choices"] as? [Any])?.first as? [String: Any])
                #expect(text == (wholeChoice["message"] as? [String: Any])?["content"] as? String)
                #expect(ids == (wholeChoice["token_ids"] as? [Any])?.ints)
                #expect(choices.last?["finish_reason"] as? String == "length")
                #expect((chunks.last?["usage"] as? [String: Any])?["completion_tokens"] as? Int == 10)
                return nil
            }
        }
    }

    @Test func badRequestsGetOpenAIErrorsAndRecordNothing() async throws {
        try await EndpointFixture.with { fixture in
            let outcome = try await fixture.play { context in
                let endpoint = try #require(context.endpoint)
                let malformed = try await endpoint.chat(#"{"model": "policy", "messages": [ "#)
                #expect(malformed.status == 400 && malformed.errorType == "invalid_request_error")
                #expect(malformed.errorMessage.contains("not valid JSON"), "\(malformed.errorMessage)")

                let missing = try await endpoint.chat(#"{"model": "policy"}"#)
                #expect(missing.status == 400 && missing.errorMessage.contains("messages"), "\(missing.errorMessage)")

                let wrongType = try await endpoint.chat(#"{"model": "policy", "messages": [], "max_tokens": "ten"}"#)
                #expect(wrongType.status == 400 && wrongType.errorMessage.contains("max_tokens"), "\(wrongType.errorMessage)")

                let badRole = try await endpoint.chat(#"{"model": "policy", "messages": [{"role": "robot", "content": "x"}]}"#)
                #expect(badRole.status == 400 && badRole.errorMessage.contains("messages[0].role"), "\(badRole.errorMessage)")

                let unknownModel = try await endpoint.chat(#"{"model": "gpt-4o", "messages": [{"role": "user", "content": "x"}]}"#)
                #expect(unknownModel.status == 404 && unknownModel.errorCode == "model_not_found")

                let long = String(repeating: "7", count: 300)
                let tooLong = try await endpoint.chat(#"{"model": "policy", "messages": [{"role": "user", "content": "\#(long)"}]}"#)
                #expect(tooLong.status == 400 && tooLong.errorCode == "context_length_exceeded", "\(tooLong.text)")

                let noKey = try await send(endpoint.openAIBaseURL + "/models", method: "GET", token: nil).status
                let wrongKey = try await endpoint.chat(#"{"model": "policy", "messages": []}"#, token: "not-the-token")
                #expect(noKey == 401 && wrongKey.status == 401 && wrongKey.errorCode == "invalid_api_key")

                let models = try await send(endpoint.openAIBaseURL + "/models", method: "GET", token: endpoint.token)
                #expect(((models.json["data"] as? [Any])?.first as? [String: Any])?["id"] as? String == "policy")
                return nil
            }
            // The refused prompt left a failed call; nothing else was recorded.
            let calls = outcome.spans.named(SpanConvention.modelCall)
            #expect(calls.count == 1 && calls.first?.error?.contains("context holds") == true)
        }
    }

    @Test func anAttemptsTokenOpensNoOtherAttemptAndExpiresWhenItEnds() async throws {
        try await EndpointFixture.with { fixture in
            let first = Mutex<AttemptEndpoint?>(nil)
            let outcome = try await fixture.play(attempt: "r-1/attempt-1") { context in
                first.withLock { $0 = context.endpoint }
                return nil
            }
            let ended = try #require(first.withLock { $0 })
            let request = #"{"model": "policy", "messages": [{"role": "user", "content": "Q:1+1"}]}"#
            let late = try await ended.chat(request)
            #expect(late.status == 409 && late.errorCode == "attempt_finished", "\(late.text)")
            let unknown = try await send(
                fixture.url + "/rollouts/r-9/attempts/r-9%2Fattempt-1/v1/chat/completions", token: ended.token, body: request)
            #expect(unknown.status == 404 && unknown.errorCode == "attempt_not_found")

            let second = try await fixture.play(attempt: "r-2/attempt-1") { context in
                let endpoint = try #require(context.endpoint)
                let borrowed = try await endpoint.chat(request, token: ended.token)
                #expect(borrowed.status == 401 && borrowed.errorCode == "invalid_api_key")
                return nil
            }
            #expect(outcome.spans.named(SpanConvention.modelCall).isEmpty)
            #expect(second.spans.named(SpanConvention.modelCall).isEmpty)
        }
    }

    @Test func rewardsAndOTLPSpansLandUnderTheAttemptAsOneTree() async throws {
        try await EndpointFixture.with { fixture in
            let outcome = try await fixture.play { context in
                let endpoint = try #require(context.endpoint)
                // A model call made inside the agent's span `bbbb…`, before the agent exports that span.
                let call = try await endpoint.chat(
                    #"{"model": "policy", "messages": [{"role": "user", "content": "Q:2+2"}], "max_tokens": 2}"#,
                    headers: ["traceparent": "00-0123456789abcdef0123456789abcdef-bbbbbbbbbbbbbbbb-01"])
                #expect(call.status == 200)
                let export = """
                    {"resourceSpans": [{"scopeSpans": [{"spans": [
                      {"traceId": "0123456789abcdef0123456789abcdef", "spanId": "aaaaaaaaaaaaaaaa", "name": "plan",
                       "startTimeUnixNano": "1700000000000000000", "endTimeUnixNano": "1700000001000000000",
                       "attributes": [{"key": "tool.name", "value": {"stringValue": "search"}},
                                      {"key": "tries", "value": {"intValue": "3"}}],
                       "events": [{"timeUnixNano": "1700000000500000000", "name": "retry"}]},
                      {"traceId": "0123456789abcdef0123456789abcdef", "spanId": "bbbbbbbbbbbbbbbb",
                       "parentSpanId": "aaaaaaaaaaaaaaaa", "name": "think", "startTimeUnixNano": "1700000000100000000",
                       "endTimeUnixNano": "1700000000900000000", "status": {"code": 2, "message": "gave up"}}
                    ]}]}]}
                    """
                let traces = try await send(endpoint.tracesURL, token: endpoint.token, body: export)
                #expect(traces.status == 200, "\(traces.text)")
                let badTraces = try await send(endpoint.tracesURL, token: endpoint.token, body: #"{"resourceSpans": [{"scopeSpans": [{"spans": [{"spanId": "x"}]}]}]}"#)
                #expect(badTraces.status == 400 && badTraces.errorMessage.contains("name"), "\(badTraces.text)")
                let reward = try await send(endpoint.rewardURL, token: endpoint.token, body: #"{"value": 0.5, "name": "score"}"#)
                #expect(reward.status == 200)
                let badReward = try await send(endpoint.rewardURL, token: endpoint.token, body: #"{"name": "score"}"#)
                #expect(badReward.status == 400 && badReward.errorMessage.contains("value"))
                return nil
            }
            #expect(outcome.error == nil)
            let plan = try #require(outcome.spans.named("plan").first)
            let think = try #require(outcome.spans.named("think").first)
            let call = try #require(outcome.spans.named(SpanConvention.modelCall).first)
            #expect(plan.parent == "1", "the agent's root span hangs under the episode")
            #expect(think.parent == plan.id && call.parent == think.id)
            #expect(plan.attributes["tool.name"] == .string("search") && plan.attributes["tries"] == .int(3))
            #expect(plan.events.map(\.name) == ["retry"] && think.error == "gave up")
            #expect(outcome.finalReward == 0.5)
        }
    }

    @Test func theRolesTemplateMarksEachMessageAndEndsTheReplyAtEndOfText() async throws {
        try await EndpointFixture.with(template: .roles) { fixture in
            _ = try await fixture.play { context in
                let endpoint = try #require(context.endpoint)
                let reply = try await endpoint.chat(
                    #"{"model": "policy", "messages": [{"role": "system", "content": "be brief"}, {"role": "user", "content": "hi"}], "max_tokens": 3}"#)
                let prompt = (reply.json["prompt_token_ids"] as? [Any])?.ints
                typealias Special = Tokenizer.SpecialToken
                let expected =
                    [Special.system.id] + Tokenizer.encode("be brief") + [Special.endOfText.id, Special.user.id]
                    + Tokenizer.encode("hi") + [Special.endOfText.id, Special.assistant.id]
                #expect(prompt == expected.map(Int.init))
                return nil
            }
        }
    }
}
