import ArgumentParser
import FulmenCore
import FulmenEndpoint
import FulmenRunner
import Logging

/// The options of a runner pool's OpenAI-compatible endpoint, and starting it.
struct EndpointOptions: ParsableArguments {
    @Option(
        help: """
            Where the pool's OpenAI-compatible endpoint listens, HOST:PORT (port 0 picks a free one), or 'off'. \
            Agent processes call it; listen on 0.0.0.0 for agents on other hosts.
            """)
    var endpoint = "127.0.0.1:0"

    @Option(
        help: """
            How chat messages become the model's prompt: auto (the model's own template; plain for a GPT), plain \
            (each message, then a newline) or roles (the GPT's role tokens).
            """)
    var chatTemplate = ChatTemplate.auto.rawValue

    func validate() throws {
        _ = try address()
        _ = try template()
    }

    private func template() throws -> ChatTemplate {
        guard let template = ChatTemplate(rawValue: chatTemplate) else {
            throw ValidationError(
                "--chat-template: '\(chatTemplate)' is not one of \(ChatTemplate.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return template
    }

    /// The host and port to listen on; `nil` for 'off'.
    private func address() throws -> (host: String, port: Int)? {
        if endpoint == "off" { return nil }
        guard let address = ListenAddress(endpoint) else {
            throw ValidationError("--endpoint: '\(endpoint)' is not HOST:PORT (e.g. 0.0.0.0:7400) or 'off'")
        }
        return (address.host, address.port)
    }

    /// `command` as the agent that plays `task`, calling the policy through this endpoint (which must be on);
    /// `timeout` by default is `CommandAgent`'s.
    /// - Throws: `ValidationError` saying what is wrong: the endpoint is off, or the command is empty.
    func commandAgent(task: String, command: [String], timeout: Duration?) throws -> CommandAgent {
        if endpoint == "off" {
            throw ValidationError("an agent command needs the pool's endpoint: --endpoint cannot be 'off'")
        }
        do {
            return try timeout.map { try CommandAgent(task: task, command: command, timeout: $0) }
                ?? CommandAgent(task: task, command: command)
        } catch {
            throw ValidationError("\(error)")
        }
    }

    /// Starts serving the pool's attempts and returns once the endpoint listens (so episodes started from now
    /// on are told where it is), with the task that serves it and its URL; `nil` when the endpoint is off.
    /// - Parameter advertise: the host name agents on other hosts use, when listening on all interfaces.
    func start(for attempts: AttemptDirectory, advertise: String?, logger: Logger) async throws -> (
        serving: Task<Void, any Error>, url: String
    )? {
        guard let (host, port) = try address() else { return nil }
        let endpoint = PolicyEndpoint(
            attempts: attempts,
            configuration: .init(host: host, port: port, advertisedHost: advertise, template: try template()),
            logger: logger)
        let (listening, announce) = AsyncStream.makeStream(of: String.self)
        let serving = Task {
            try await endpoint.run { url in
                announce.yield(url)
                announce.finish()
            }
        }
        for await url in listening { return (serving, url) }
        // The server stopped before it listened: its error says why.
        try await serving.value
        throw ValidationError("--endpoint: the endpoint stopped before it listened on \(self.endpoint)")
    }
}
