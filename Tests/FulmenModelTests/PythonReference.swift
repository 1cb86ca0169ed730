import Foundation

/// Runs `benchmarks/model/gpt_reference.py`, the Python (safetensors + numpy, and torch if present) side of the
/// interoperability tests. `scripts/test` installs its packages (scripts/test-requirements.txt).
enum PythonReference {
    static let script = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("benchmarks/model/gpt_reference.py").path

    /// Runs the script with `arguments`; returns its exit status and standard output (standard error appended).
    static func run(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    /// A fresh temporary file path with the given extension.
    static func temporaryPath(_ name: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("fulmen-\(UUID().uuidString)-\(name)").path
    }
}
