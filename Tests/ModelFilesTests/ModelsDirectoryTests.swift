import Foundation
import ModelTestSupport
import Testing

@testable import ModelFiles

/// Where bundled models are looked for, and `scripts/fetch-model`'s interface (without downloading: a file already
/// in place is kept, a bad request is refused).
@Suite struct ModelsDirectoryTests {
    @Test func theSearchPathFollowsTheEnvironment() {
        #expect(
            ModelsDirectory.searchPath(environment: ["FULMEN_MODELS_DIR": "/m", "XDG_CACHE_HOME": "/c", "HOME": "/h"])
                == ["/m", "/c/fulmen/models"])
        #expect(
            ModelsDirectory.searchPath(environment: ["XDG_CACHE_HOME": "/c", "HOME": "/h"]) == ["/c/fulmen/models"])
        #expect(ModelsDirectory.searchPath(environment: ["HOME": "/h"]) == ["/h/.cache/fulmen/models"])
        #expect(
            ModelsDirectory.searchPath(environment: ["FULMEN_MODELS_DIR": "", "HOME": "/h"]) == [
                "/h/.cache/fulmen/models"
            ])
        #expect(ModelsDirectory.default(environment: ["FULMEN_MODELS_DIR": "/m", "HOME": "/h"]) == "/m")
    }

    @Test func aModelIsFoundInTheFirstDirectoryThatHasIt() throws {
        let first = temporaryPath("first")
        let second = temporaryPath("second")
        defer {
            try? FileManager.default.removeItem(atPath: first)
            try? FileManager.default.removeItem(atPath: second)
        }
        try FileManager.default.createDirectory(atPath: first, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: second + "/fulmen/models", withIntermediateDirectories: true)
        let name = BundledModel.smolLM2_135M_Instruct.fileName
        let environment = ["FULMEN_MODELS_DIR": first, "XDG_CACHE_HOME": second]
        #expect(ModelsDirectory.locate(.smolLM2_135M_Instruct, environment: environment) == nil)
        FileManager.default.createFile(atPath: second + "/fulmen/models/" + name, contents: Data())
        #expect(
            ModelsDirectory.locate(.smolLM2_135M_Instruct, environment: environment) == second + "/fulmen/models/"
                + name)
        FileManager.default.createFile(atPath: first + "/" + name, contents: Data())
        #expect(ModelsDirectory.locate(.smolLM2_135M_Instruct, environment: environment) == first + "/" + name)
    }

    static func fetchModel(_ arguments: [String]) throws -> (status: Int32, output: String, errors: String) {
        let process = Process()
        process.executableURL = Fixtures.repository.appendingPathComponent("scripts/fetch-model")
        process.arguments = arguments
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let out = output.fileHandleForReading.readDataToEndOfFile()
        let err = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: out, as: UTF8.self), String(decoding: err, as: UTF8.self))
    }

    @Test func fetchModelRefusesUnknownNamesListingTheKnownOnes() throws {
        let result = try Self.fetchModel(["llama-7b"])
        #expect(result.status != 0)
        #expect(result.errors.contains("unknown model 'llama-7b'"))
        for model in BundledModel.allCases { #expect(result.errors.contains(model.rawValue)) }
        let none = try Self.fetchModel([])
        #expect(none.status != 0 && none.errors.contains("no model name given"))
    }

    @Test(.disabled(if: RealModel.skipped, Comment(rawValue: RealModel.skipReason)))
    func fetchModelKeepsAFileAlreadyInPlaceAndPrintsItsPath() throws {
        let model = try RealModel.path()
        let directory = temporaryPath("models")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let target = directory + "/" + BundledModel.smolLM2_135M_Instruct.fileName
        try FileManager.default.createSymbolicLink(atPath: target, withDestinationPath: model)
        let result = try Self.fetchModel(["--models-dir", directory, BundledModel.smolLM2_135M_Instruct.rawValue])
        #expect(result.status == 0, "\(result.errors)")
        #expect(result.output.split(separator: "\n").last.map(String.init) == target)
        #expect(result.errors.contains("already present"))
    }
}
