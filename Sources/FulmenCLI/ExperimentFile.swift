import ArgumentParser
import Foundation
import FulmenTrainer

/// An experiment's YAML spec as `submit` and `up` take it: its bytes, as they go to the store, and the spec
/// they hold, checked.
struct ExperimentFile {
    let data: Data
    let spec: ExperimentSpec

    /// Reads and checks the spec in the file at `path`.
    /// - Throws: `ValidationError` naming the file, when it cannot be read or a field of its spec is wrong.
    init(path: String) throws {
        guard let data = FileManager.default.contents(atPath: path) else { throw ValidationError("cannot read \(path)") }
        try self.init(data: data, named: path)
    }

    /// Checks the spec in `data`; errors name it `name`.
    init(data: Data, named name: String) throws {
        self.data = data
        do {
            spec = try ExperimentSpec.parse(yaml: String(decoding: data, as: UTF8.self))
        } catch {
            throw ValidationError("\(name): \(error)")
        }
    }
}
