import Crypto
import Foundation
import GRDB
import FulmenCore

/// Resource snapshots and their contents. Contents are kept once per hash, however many
/// snapshots name them.
enum ResourceRegistry {
    static func publish(_ publication: ResourcePublication, limits: StoreLimits, in db: Database, now: Date) throws -> ResourceSnapshot {
        var resources = publication.carryOverLatest ? try latest(in: db)?.resources ?? [:] : [:]
        guard !publication.resources.isEmpty || !resources.isEmpty else {
            throw StoreError(.invalidArgument, "resources: a snapshot needs at least one resource")
        }
        for (name, content) in publication.resources.sorted(by: { $0.key < $1.key }) {
            try validate(content, name: name, limits: limits)
            let hash = SHA256.hash(data: content.data).map { String(format: "%02x", $0) }.joined()
            try db.cachedStatement(sql: "INSERT OR IGNORE INTO contents (hash, kind, size, data) VALUES (?, ?, ?, ?)")
                .execute(arguments: [hash, content.kind.rawValue, content.data.count, content.data])
            resources[name] = ResourceDescriptor(
                kind: content.kind, hash: hash, size: content.data.count,
                inline: content.kind == .weights ? nil : content.data)
        }
        let id = (try latestID(in: db) ?? 0) + 1
        try db.execute(
            sql: "INSERT INTO snapshots (id, created_at, resources) VALUES (?, ?, ?)",
            arguments: [id, now.storeTime, try Blob.encode(resources)])
        return ResourceSnapshot(id: id, createdAt: now, resources: resources)
    }

    /// Refuses content that cannot be what its kind says, naming the resource.
    private static func validate(_ content: ResourceContent, name: String, limits: StoreLimits) throws {
        let field = "resources[\(name)]"
        guard !name.isEmpty else { throw StoreError(.invalidArgument, "resources: a resource name must not be empty") }
        guard content.data.count <= limits.maximumResourceBytes else {
            throw StoreError(.invalidArgument, "\(field): \(content.data.count) bytes exceed the limit of \(limits.maximumResourceBytes)")
        }
        switch content.kind {
        case .promptTemplate:
            guard String(data: content.data, encoding: .utf8) != nil else {
                throw StoreError(.invalidArgument, "\(field): a prompt template must be UTF-8 text")
            }
        case .settings:
            guard (try? JSONSerialization.jsonObject(with: content.data)) is [String: Any] else {
                throw StoreError(.invalidArgument, "\(field): settings must be a JSON object")
            }
        case .weights:
            try SafetensorsHeader.check(content.data, field: field)
        }
    }

    static func snapshot(_ id: ResourceSnapshotID, in db: Database) throws -> ResourceSnapshot? {
        try Row.fetchOne(db, sql: "SELECT id, created_at, resources FROM snapshots WHERE id = ?", arguments: [id]).map(decode)
    }

    static func latest(in db: Database) throws -> ResourceSnapshot? {
        try Row.fetchOne(db, sql: "SELECT id, created_at, resources FROM snapshots ORDER BY id DESC LIMIT 1").map(decode)
    }

    static func latestID(in db: Database) throws -> ResourceSnapshotID? {
        try ResourceSnapshotID.fetchOne(db, sql: "SELECT MAX(id) FROM snapshots")
    }

    static func exists(_ id: ResourceSnapshotID, in db: Database) throws -> Bool {
        try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM snapshots WHERE id = ?)", arguments: [id]) ?? false
    }

    static func content(hash: String, in db: Database) throws -> Data {
        guard let data = try Data.fetchOne(db, sql: "SELECT data FROM contents WHERE hash = ?", arguments: [hash]) else {
            throw StoreError(.notFound, "no resource content with hash \(hash)")
        }
        return data
    }

    private static func decode(_ row: Row) throws -> ResourceSnapshot {
        ResourceSnapshot(
            id: row["id"], createdAt: row.date("created_at"),
            resources: try Blob.decode([String: ResourceDescriptor].self, from: row["resources"]))
    }
}

/// The check the store makes of published weights: a safetensors file whose header is a JSON
/// object and whose tensors fit inside the file.
enum SafetensorsHeader {
    static func check(_ data: Data, field: String) throws {
        func refuse(_ reason: String) -> StoreError {
            StoreError(.invalidArgument, "\(field): not a safetensors file: \(reason)")
        }
        guard data.count >= 8 else { throw refuse("shorter than its 8-byte header length") }
        let length = data.prefix(8).enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
        guard length <= UInt64(data.count - 8) else { throw refuse("header length \(length) runs past the end") }
        let header = data.dropFirst(8).prefix(Int(length))
        guard let object = try? JSONSerialization.jsonObject(with: header) as? [String: Any] else {
            throw refuse("header is not a JSON object")
        }
        let body = UInt64(data.count - 8) - length
        for (name, entry) in object where name != "__metadata__" {
            guard let tensor = entry as? [String: Any], let offsets = tensor["data_offsets"] as? [NSNumber], offsets.count == 2,
                  offsets[0].uint64Value <= offsets[1].uint64Value, offsets[1].uint64Value <= body
            else { throw refuse("tensor \(name) has data offsets outside the file") }
        }
    }
}
