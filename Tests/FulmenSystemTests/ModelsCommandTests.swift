import Foundation
import ModelTestSupport
import Testing
import ZMQTestSupport

/// `fulmen models`: the fetch script carried in the binary, and the listing of a models directory.
@Suite("System: fulmen models", .disabled(if: RealModel.skipped, Comment(rawValue: RealModel.skipReason)))
struct ModelsCommandTests {
    @Test func fetchKeepsACheckedFileListShowsItAndUnknownNamesAreRefused() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("fulmen-models-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let model = try RealModel.path()
        let placed = directory.appendingPathComponent(URL(fileURLWithPath: model).lastPathComponent)
        try FileManager.default.createSymbolicLink(atPath: placed.path, withDestinationPath: model)

        // Already there with the right sha256: kept, nothing downloaded, its path printed last.
        let fetch = try await runToEnd("fulmen", arguments: ["models", "fetch", "smollm2-135m-instruct", "--models-dir", directory.path])
        #expect(fetch.status == 0, "\(fetch.errors)")
        #expect(fetch.errors.contains("already present and checked"), "\(fetch.errors)")
        #expect(fetch.output.split(separator: "\n").last.map(String.init) == placed.path, "\(fetch.output)")

        let list = try await runToEnd("fulmen", arguments: ["models", "list", "--models-dir", directory.path])
        #expect(list.status == 0, "\(list.errors)")
        #expect(list.output.contains("smollm2-135m-instruct  \(placed.path)  98.4 MB"), "\(list.output)")

        let unknown = try await runToEnd("fulmen", arguments: ["models", "fetch", "gpt-5", "--models-dir", directory.path])
        #expect(unknown.status != 0)
        #expect(unknown.errors.contains("unknown model 'gpt-5'; known models: smollm2-135m-instruct"), "\(unknown.errors)")

        let empty = try await runToEnd("fulmen", arguments: ["models", "list", "--models-dir", directory.appendingPathComponent("none").path])
        #expect(empty.output.contains("smollm2-135m-instruct  not fetched (fulmen models fetch smollm2-135m-instruct)"), "\(empty.output)")
    }
}
