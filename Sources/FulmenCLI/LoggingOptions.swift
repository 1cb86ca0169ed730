import ArgumentParser
import Logging

/// The `--log-level` option every long-running command takes.
struct LoggingOptions: ParsableArguments {
    @Option(help: "Log level: trace, debug, info, notice, warning, error or critical.")
    var logLevel = "info"

    func validate() throws {
        _ = try Self.level(logLevel)
    }

    /// A logger at the chosen level.
    func logger(label: String) -> Logger {
        var logger = Logger(label: label)
        logger.logLevel = (try? Self.level(logLevel)) ?? .info
        return logger
    }

    /// The level `--log-level` names.
    /// - Throws: `ValidationError` listing the levels there are.
    static func level(_ text: String) throws -> Logger.Level {
        guard let level = Logger.Level(rawValue: text) else {
            throw ValidationError("--log-level: '\(text)' is not one of trace, debug, info, notice, warning, error, critical")
        }
        return level
    }
}
