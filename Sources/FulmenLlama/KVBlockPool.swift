import FulmenModel

/// A paged key/value cache: a pool of fixed-size blocks that sequences take, share and give back.
///
/// **Layout.** One buffer of `capacity` blocks. A block holds `blockSize` consecutive positions of one sequence,
/// for every layer: block `b` starts at `b · blockStride` and is laid out `[layer][key, value][kvHead]`, each part
/// a chunk of `blockSize · D` floats. In a key chunk the keys are stored transposed, (D, blockSize), so a query
/// scores all the block's positions with vector operations; a value chunk is (blockSize, D). A block is one
/// contiguous region, so copying one (copy-on-write) is a single `memcpy`.
///
/// **Ownership.** A sequence's ``KVBlockTable`` lists its blocks in position order: position p is in slot
/// `p % blockSize` of block `blocks[p / blockSize]`. Every block carries a reference count: tables that share a
/// prompt prefix share its blocks (``fork(_:)`` retains them all), and ``extend(_:to:)`` copies a shared block
/// before a table writes into it, so sharers never see each other's writes. ``release(_:)`` returns a table's
/// blocks; a block whose count reaches zero goes back on the free list, to be reused first.
///
/// Not thread-safe: one owner (the model's generation loop) allocates and frees; workers then write and read the
/// disjoint blocks of their own sequences concurrently.
final class KVBlockPool {
    let blockSize: Int
    let layerCount: Int
    let keyValueHeadCount: Int
    let headSize: Int
    /// Floats per block.
    let blockStride: Int
    private(set) var capacity: Int
    private(set) var storage: FloatBuffer
    private var referenceCounts: [Int32]
    /// Free block ids; the last is handed out next (so a freed block is the first reused).
    private var freeList: [Int32]

    init(blockSize: Int, layerCount: Int, keyValueHeadCount: Int, headSize: Int, capacity: Int) {
        precondition(blockSize > 0 && capacity >= 0, "KVBlockPool: invalid sizes")
        self.blockSize = blockSize
        self.layerCount = layerCount
        self.keyValueHeadCount = keyValueHeadCount
        self.headSize = headSize
        blockStride = layerCount * 2 * keyValueHeadCount * blockSize * headSize
        self.capacity = capacity
        storage = FloatBuffer(count: capacity * blockStride)
        referenceCounts = [Int32](repeating: 0, count: capacity)
        freeList = (0..<Int32(capacity)).reversed()
    }

    /// Blocks not held by any table.
    var freeBlockCount: Int { freeList.count }

    /// How many tables hold `block`.
    func referenceCount(of block: Int32) -> Int { Int(referenceCounts[Int(block)]) }

    /// Grows the pool to `capacity` blocks, keeping every block's contents and id (pointers into the old storage
    /// become invalid).
    func grow(to newCapacity: Int) {
        guard newCapacity > capacity else { return }
        let grown = FloatBuffer(count: newCapacity * blockStride)
        grown.base.update(from: storage.base, count: capacity * blockStride)
        storage = grown
        referenceCounts += [Int32](repeating: 0, count: newCapacity - capacity)
        freeList = (Int32(capacity)..<Int32(newCapacity)).reversed() + freeList
        capacity = newCapacity
    }

    /// Blocks needed for `positions` positions.
    func blocks(for positions: Int) -> Int { (positions + blockSize - 1) / blockSize }

    /// Makes `table` cover `length` positions, so that positions `table.length ..< length` can be written: takes
    /// new blocks as needed, and replaces each shared block among those positions by a private copy.
    ///
    /// - Throws: ``KVCacheError/outOfBlocks(needed:free:capacity:)`` without changing anything when the free blocks
    ///   do not suffice.
    func extend(_ table: inout KVBlockTable, to length: Int) throws(KVCacheError) {
        guard length > table.length else { return }
        let firstWritten = table.length / blockSize
        let shared = (firstWritten..<table.blocks.count).filter { referenceCounts[Int(table.blocks[$0])] > 1 }
        let needed = max(0, blocks(for: length) - table.blocks.count) + shared.count
        guard needed <= freeList.count else {
            throw .outOfBlocks(needed: needed, free: freeList.count, capacity: capacity)
        }
        for index in shared {
            let old = table.blocks[index]
            let copy = take()
            (storage.base + Int(copy) * blockStride).update(
                from: storage.base + Int(old) * blockStride, count: blockStride)
            release(block: old)
            table.blocks[index] = copy
        }
        while table.blocks.count < blocks(for: length) { table.blocks.append(take()) }
        table.length = length
    }

    /// A new table sharing every block of `table` (a common prefix): each block's count goes up by one.
    func fork(_ table: KVBlockTable) -> KVBlockTable {
        for block in table.blocks { referenceCounts[Int(block)] += 1 }
        return table
    }

    /// Gives back every block of `table` and empties it.
    func release(_ table: inout KVBlockTable) {
        for block in table.blocks.reversed() { release(block: block) }
        table = KVBlockTable()
    }

    /// The key chunk (D, blockSize) of one block, layer and key/value head.
    @inline(__always)
    func keys(block: Int32, layer: Int, head: Int) -> FloatPointer {
        storage.base + Int(block) * blockStride + ((layer * 2) * keyValueHeadCount + head) * blockSize * headSize
    }

    /// The value chunk (blockSize, D) of one block, layer and key/value head.
    @inline(__always)
    func values(block: Int32, layer: Int, head: Int) -> FloatPointer {
        storage.base + Int(block) * blockStride + ((layer * 2 + 1) * keyValueHeadCount + head) * blockSize * headSize
    }

    private func take() -> Int32 {
        let block = freeList.removeLast()
        referenceCounts[Int(block)] = 1
        return block
    }

    private func release(block: Int32) {
        precondition(referenceCounts[Int(block)] > 0, "KVBlockPool: block \(block) released more often than held")
        referenceCounts[Int(block)] -= 1
        if referenceCounts[Int(block)] == 0 { freeList.append(block) }
    }
}

/// One sequence's blocks in a ``KVBlockPool``, in position order, and how many positions it holds.
struct KVBlockTable: Equatable {
    /// Block ids; position p lives in `blocks[p / blockSize]`.
    var blocks: [Int32] = []
    /// Positions covered (written or about to be).
    var length = 0
}
