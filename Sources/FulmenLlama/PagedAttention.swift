import FulmenModel

/// Attention of generation rows over a sequence's cached keys and values in a ``KVBlockPool``.
///
/// A row at position p of a sequence attends to the positions 0 ... p in that sequence's blocks (its own key and
/// value written first). Scores go block by block: a block's keys are stored (D, blockSize), so a query multiplies
/// eight positions per vector operation; the values are summed with the head's output held in registers.
enum PagedAttention {
    /// Writes the keys (transposed) and values of `count` rows, at positions `start ..< start + count` of the
    /// sequence, from the rows' fused q/k/v activations (`qkv`, `width` apart) into the sequence's blocks.
    static func store(
        qkv: UnsafePointer<Float>, width: Int, queryWidth: Int, table: KVBlockTable, start: Int, count: Int,
        layer: Int, pool: KVBlockPool
    ) {
        let (d, bs, g) = (pool.headSize, pool.blockSize, pool.keyValueHeadCount)
        for r in 0..<count {
            let position = start + r
            let block = table.blocks[position / bs]
            let slot = position % bs
            let k = qkv + r * width + queryWidth
            let v = k + g * d
            for head in 0..<g {
                let keys = pool.keys(block: block, layer: layer, head: head) + slot
                let source = k + head * d
                for i in 0..<d { keys[i * bs] = source[i] }
                (pool.values(block: block, layer: layer, head: head) + slot * d).update(from: v + head * d, count: d)
            }
        }
    }

    /// `output = softmax(q·Kᵀ/√D) · V` over the first `visible` positions of the sequence for one query head
    /// (reading key/value head `head`); `scores` holds at least `visible` rounded up to a block.
    static func attend(
        output: FloatPointer, query: UnsafePointer<Float>, table: KVBlockTable, visible: Int, layer: Int, head: Int,
        pool: KVBlockPool, scores: FloatPointer
    ) {
        let (d, bs) = (pool.headSize, pool.blockSize)
        let scale = 1 / Float(d).squareRoot()
        let blockCount = (visible + bs - 1) / bs
        for j in 0..<blockCount {
            let keys = UnsafePointer(pool.keys(block: table.blocks[j], layer: layer, head: head))
            for lane in stride(from: 0, to: bs, by: 8) {
                var acc = Lanes.Vector()
                for i in 0..<d { acc += query[i] * Lanes.load(keys + i * bs + lane) }
                Lanes.store(acc * scale, scores + j * bs + lane)
            }
        }
        let m = VectorMath.max(scores, visible)
        let inverse = 1 / VectorMath.expShiftedSum(scores, visible, shift: m)
        if d % 32 == 0 {
            for base in stride(from: 0, to: d, by: 32) {
                var a0 = Lanes.Vector()
                var a1 = Lanes.Vector()
                var a2 = Lanes.Vector()
                var a3 = Lanes.Vector()
                for j in 0..<blockCount {
                    let values = UnsafePointer(pool.values(block: table.blocks[j], layer: layer, head: head)) + base
                    for slot in 0..<min(bs, visible - j * bs) {
                        let w = scores[j * bs + slot]
                        let v = values + slot * d
                        a0 += w * Lanes.load(v)
                        a1 += w * Lanes.load(v + 8)
                        a2 += w * Lanes.load(v + 16)
                        a3 += w * Lanes.load(v + 24)
                    }
                }
                Lanes.store(a0 * inverse, output + base)
                Lanes.store(a1 * inverse, output + base + 8)
                Lanes.store(a2 * inverse, output + base + 16)
                Lanes.store(a3 * inverse, output + base + 24)
            }
        } else {
            output.update(repeating: 0, count: d)
            for j in 0..<blockCount {
                let values = UnsafePointer(pool.values(block: table.blocks[j], layer: layer, head: head))
                for slot in 0..<min(bs, visible - j * bs) {
                    VectorMath.addScaled(output, values + slot * d, scores[j * bs + slot] * inverse, d)
                }
            }
        }
    }
}
