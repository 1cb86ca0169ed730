import FulmenCore
import FulmenModel
import FulmenRunner
import Foundation
import Testing

/// Agents that are programs: real child processes, given the task on standard input and the endpoint in
/// their environment, settling the attempt by exit status and reward line.
@Suite("Endpoint: agent processes")
struct CommandAgentTests {
    typealias Key = SpanConvention.Attribute

    /// A Python program in a temporary file, run as `python3 FILE`.
    static func agent(_ source: String, timeout: Duration = .seconds(30)) throws -> CommandAgent {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("agent-\(UUID().uuidString).py")
        try Data(source.utf8).write(to: file)
        return try CommandAgent(task: "probe", command: ["python3", file.path], timeout: timeout)
    }

    @Test func aProcessCallsTheModelAsItsAttemptAndPrintsItsReward() async throws {
        let agent = try Self.agent(
            """
            import json, os, sys, urllib.request
            task = json.load(sys.stdin)
            body = json.dumps({"model": "policy", "max_tokens": 4,
                               "messages": [{"role": "user", "content": "Q:%d" % task["n"]}]}).encode()
            request = urllib.request.Request(os.environ["OPENAI_BASE_URL"] + "/chat/completions", data=body,
                headers={"Authorization": "Bearer " + os.environ["OPENAI_API_KEY"], "Content-Type": "application/json"})
            reply = json.load(urllib.request.urlopen(request))
            print("thinking about", os.environ["FULMEN_TASK"], os.environ["FULMEN_MODE"], file=sys.stderr)
            print("some output first")
            print(json.dumps({"reward": 0.75, "tokens": len(reply["choices"][0]["token_ids"])}))
            """)
        try await EndpointFixture.with { fixture in
            let outcome = try await fixture.sandbox.play(agent, input: .init(json: Data(#"{"n": 41}"#.utf8)))
            #expect(outcome.error == nil, "\(outcome.error ?? "")")
            #expect(outcome.finalReward == 0.75)
            let call = try #require(outcome.spans.named(SpanConvention.modelCall).first)
            #expect([Span].ints(call.attributes[Key.promptTokens]) == Array("Q:41\n".utf8).map(Int.init))
            let process = try #require(outcome.spans.named(SpanConvention.agentProcess).first)
            #expect(process.attributes[Key.termination] == .string("exited 0"))
            #expect(process.events.first?.attributes[Key.text] == .string("thinking about probe train\n"))
        }
    }

    @Test func aFailingProcessFailsTheAttemptWithTheEndOfItsStandardError() async throws {
        let agent = try Self.agent("import sys\nprint('boom: the tool is down', file=sys.stderr)\nsys.exit(3)\n")
        try await EndpointFixture.with { fixture in
            let outcome = try await fixture.sandbox.play(agent, input: .init(json: Data("{}".utf8)))
            let error = try #require(outcome.error)
            #expect(error.contains("exited with status 3") && error.contains("boom: the tool is down"), "\(error)")
        }
    }

    @Test func aBadRewardLineIsAClearError() async throws {
        let agent = try Self.agent(#"print('{"reward": "high"}')"#)
        try await EndpointFixture.with { fixture in
            let outcome = try await fixture.sandbox.play(agent, input: .init(json: Data("{}".utf8)))
            #expect(outcome.error?.contains("reward line") == true, "\(outcome.error ?? "no error")")
        }
    }

    @Test func aProcessPastItsTimeoutIsKilledWithEverythingItStarted() async throws {
        let pidFile = FileManager.default.temporaryDirectory.appendingPathComponent("child-\(UUID().uuidString)")
        let agent = try Self.agent(
            """
            import subprocess, time
            child = subprocess.Popen(["sleep", "60"])
            open("\(pidFile.path)", "w").write(str(child.pid))
            time.sleep(60)
            """, timeout: .seconds(2))
        try await EndpointFixture.with { fixture in
            let started = ContinuousClock.now
            let outcome = try await fixture.sandbox.play(agent, input: .init(json: Data("{}".utf8)))
            #expect(outcome.error?.contains("ran longer than its timeout") == true, "\(outcome.error ?? "no error")")
            #expect(ContinuousClock.now - started < .seconds(30))
            let child = try #require(Int32(String(decoding: try Data(contentsOf: pidFile), as: UTF8.self)))
            // The grandchild went with its group (it may linger a moment as a zombie of its dead parent).
            var gone = false
            for _ in 0..<50 where !gone {
                let state = (try? String(contentsOfFile: "/proc/\(child)/stat", encoding: .utf8)) ?? ""
                gone = state.isEmpty || state.contains(") Z ")
                if !gone { try await Task.sleep(for: .milliseconds(100)) }
            }
            #expect(gone, "the agent's own child process survived the timeout")
        }
    }

    @Test func aProcessThatIgnoresItsInputStillSettlesItsAttempt() async throws {
        let agent = try Self.agent(#"print('{"reward": 1}')"#)
        let large = Data(#"{"text": "\#(String(repeating: "x", count: 1 << 20))"}"#.utf8)
        try await EndpointFixture.with { fixture in
            let outcome = try await fixture.sandbox.play(agent, input: try .init(json: large))
            #expect(outcome.error == nil && outcome.finalReward == 1, "\(outcome.error ?? "")")
        }
    }

    @Test func aMissingProgramOrEndpointIsNamed() async throws {
        let missing = try CommandAgent(task: "probe", command: ["/nonexistent/agent"])
        try await EndpointFixture.with { fixture in
            let outcome = try await fixture.sandbox.play(missing, input: .init(json: Data("{}".utf8)))
            #expect(outcome.error?.contains("cannot start the agent command /nonexistent/agent") == true, "\(outcome.error ?? "")")
        }
        let noEndpoint = try await EpisodeSandbox(policy: EndpointFixture.policy).play(missing, input: .init(json: Data("{}".utf8)))
        #expect(noEndpoint.error?.contains("serves no OpenAI-compatible endpoint") == true)
        #expect(throws: RunnerError.self) { try CommandAgent(task: "probe", command: []) }
    }
}
