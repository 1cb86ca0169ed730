import Testing

@testable import FulmenLlama

/// The paged key/value cache's block accounting: reuse, sharing, copy-on-write, exhaustion.
@Suite struct KVBlockPoolTests {
    static func pool(capacity: Int) -> KVBlockPool {
        KVBlockPool(blockSize: 8, layerCount: 2, keyValueHeadCount: 2, headSize: 4, capacity: capacity)
    }

    @Test func test_freedBlocks_shouldBeReused() throws {
        let pool = Self.pool(capacity: 6)
        var a = KVBlockTable()
        try pool.extend(&a, to: 20)
        #expect(a.blocks.count == 3)
        #expect(pool.freeBlockCount == 3)
        let taken = Set(a.blocks)
        pool.release(&a)
        #expect(a == KVBlockTable())
        #expect(pool.freeBlockCount == 6)
        var b = KVBlockTable()
        try pool.extend(&b, to: 17)
        #expect(Set(b.blocks) == taken, "the blocks just freed are handed out first")
    }

    @Test func test_extend_shouldAddBlocksOnlyAtBoundaries() throws {
        let pool = Self.pool(capacity: 4)
        var table = KVBlockTable()
        for length in 1...32 {
            try pool.extend(&table, to: length)
            #expect(table.blocks.count == (length + 7) / 8, "length \(length)")
            #expect(table.length == length)
        }
        #expect(Set(table.blocks).count == 4)
    }

    @Test func test_runningOutOfBlocks_shouldBeAClearErrorThatChangesNothing() throws {
        let pool = Self.pool(capacity: 3)
        var a = KVBlockTable()
        try pool.extend(&a, to: 16)
        var b = KVBlockTable()
        try pool.extend(&b, to: 3)
        let before = (a, b, pool.freeBlockCount)
        #expect(throws: KVCacheError.outOfBlocks(needed: 2, free: 0, capacity: 3)) { try pool.extend(&b, to: 20) }
        #expect(a == before.0 && b == before.1 && pool.freeBlockCount == before.2)
        #expect(KVCacheError.outOfBlocks(needed: 2, free: 0, capacity: 3).description.contains("2 more needed"))
    }

    @Test func test_forkedTables_shouldShareBlocksAndCopyOnWrite() throws {
        let pool = Self.pool(capacity: 8)
        var a = KVBlockTable()
        try pool.extend(&a, to: 12)
        for layer in 0..<2 {
            for head in 0..<2 {
                for i in 0..<32 { pool.values(block: a.blocks[1], layer: layer, head: head)[i] = Float(i + layer * 100) }
            }
        }
        var b = pool.fork(a)
        #expect(b.blocks == a.blocks)
        #expect(a.blocks.allSatisfy { pool.referenceCount(of: $0) == 2 })
        try pool.extend(&b, to: 14)  // writes into the shared second block: b gets a copy
        #expect(b.blocks[0] == a.blocks[0], "the full first block stays shared")
        #expect(b.blocks[1] != a.blocks[1])
        #expect(pool.referenceCount(of: a.blocks[0]) == 2)
        #expect(pool.referenceCount(of: a.blocks[1]) == 1)
        #expect(pool.values(block: b.blocks[1], layer: 1, head: 1)[5] == 105, "the copy keeps the shared contents")
        pool.values(block: b.blocks[1], layer: 1, head: 1)[5] = -1
        #expect(pool.values(block: a.blocks[1], layer: 1, head: 1)[5] == 105, "a does not see b's writes")
        pool.release(&a)
        #expect(pool.referenceCount(of: b.blocks[0]) == 1)
        pool.release(&b)
        #expect(pool.freeBlockCount == 8)
    }

    @Test func test_grow_shouldKeepContentsAndIds() throws {
        let pool = Self.pool(capacity: 1)
        var a = KVBlockTable()
        try pool.extend(&a, to: 5)
        pool.keys(block: a.blocks[0], layer: 1, head: 0)[3] = 42
        pool.grow(to: 3)
        #expect(pool.keys(block: a.blocks[0], layer: 1, head: 0)[3] == 42)
        try pool.extend(&a, to: 24)
        #expect(a.blocks.count == 3 && pool.freeBlockCount == 0)
    }
}
