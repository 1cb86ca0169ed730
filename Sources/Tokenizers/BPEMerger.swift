/// Applies a ``MergeTable`` to one pre-tokenized piece: repeatedly joins the adjacent pair with the lowest
/// merge rank (the leftmost when one pair occurs several times), until no adjacent pair has a merge.
///
/// A piece of n byte tokens takes O(n log n): the candidate pairs wait in a min-heap keyed by (rank, position),
/// entries made stale by an earlier merge are skipped when popped, and each merge pushes the at most two new pairs
/// it forms. This is the order Hugging Face `tokenizers` and llama.cpp merge in. One merger is reused for all the
/// pieces of one encode call, so its buffers are allocated once.
struct BPEMerger {
    private var ids: [Int32] = []
    private var previous: [Int32] = []
    private var next: [Int32] = []
    private var alive: [Bool] = []
    /// Min-heap of `rank << 32 | left position`.
    private var heap: [UInt64] = []

    /// Merges `symbols` (token ids, normally one per byte) and appends the resulting token ids to `output`.
    mutating func merge(_ symbols: some Collection<Int32>, with merges: MergeTable, into output: inout [Int32]) {
        let count = symbols.count
        if count < 2 {
            output.append(contentsOf: symbols)
            return
        }
        ids.removeAll(keepingCapacity: true)
        ids.append(contentsOf: symbols)
        previous.removeAll(keepingCapacity: true)
        next.removeAll(keepingCapacity: true)
        alive.removeAll(keepingCapacity: true)
        heap.removeAll(keepingCapacity: true)
        for index in 0..<count {
            previous.append(Int32(index - 1))
            next.append(index + 1 < count ? Int32(index + 1) : -1)
            alive.append(true)
        }
        for index in 0..<count - 1 { pushPair(at: index, merges) }

        while let top = popMin() {
            let rank = Int(top >> 32)
            let leftIndex = Int(top & 0xFFFF_FFFF)
            let rightIndex = Int(next[leftIndex])
            guard alive[leftIndex], rightIndex >= 0, ids[leftIndex] == merges.left[rank],
                ids[rightIndex] == merges.right[rank]
            else { continue }
            ids[leftIndex] = merges.result[rank]
            alive[rightIndex] = false
            let after = next[rightIndex]
            next[leftIndex] = after
            if after >= 0 { previous[Int(after)] = Int32(leftIndex) }
            if previous[leftIndex] >= 0 { pushPair(at: Int(previous[leftIndex]), merges) }
            if after >= 0 { pushPair(at: leftIndex, merges) }
        }
        var index = 0
        while index >= 0 {
            output.append(ids[index])
            index = Int(next[index])
        }
    }

    private mutating func pushPair(at leftIndex: Int, _ merges: MergeTable) {
        let rightIndex = Int(next[leftIndex])
        guard let rank = merges.rank(ids[leftIndex], ids[rightIndex]) else { return }
        heap.append(UInt64(rank) << 32 | UInt64(leftIndex))
        var child = heap.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard heap[child] < heap[parent] else { break }
            heap.swapAt(child, parent)
            child = parent
        }
    }

    private mutating func popMin() -> UInt64? {
        guard let last = heap.popLast() else { return nil }
        guard !heap.isEmpty else { return last }
        let top = heap[0]
        heap[0] = last
        var parent = 0
        while true {
            let leftChild = 2 * parent + 1
            guard leftChild < heap.count else { break }
            let rightChild = leftChild + 1
            let smaller = rightChild < heap.count && heap[rightChild] < heap[leftChild] ? rightChild : leftChild
            guard heap[smaller] < heap[parent] else { break }
            heap.swapAt(smaller, parent)
            parent = smaller
        }
        return top
    }
}
