/// The BPE merges of a vocabulary, ranked by their order (rank 0 is applied first), looked up by the pair of
/// token ids they join.
struct MergeTable: Sendable {
    /// `(left << 32 | right)` to the merge's rank.
    private let rankOfPair: [UInt64: Int32]
    /// By rank: the left and right token ids and the token they make.
    let left: [Int32]
    let right: [Int32]
    let result: [Int32]

    var count: Int { left.count }

    /// The merges `pairs` (token texts), resolved against `idOfText`.
    ///
    /// - Throws: ``TokenizerError/mergeOfUnknownToken(merge:rank:missing:)`` when a side or the joined text is
    ///   not a token. A pair listed twice keeps its first (lowest) rank.
    init(pairs: [(Substring, Substring)], idOfText: [String: Int32]) throws(TokenizerError) {
        var rankOfPair: [UInt64: Int32] = [:]
        rankOfPair.reserveCapacity(pairs.count)
        var left: [Int32] = [], right: [Int32] = [], result: [Int32] = []
        left.reserveCapacity(pairs.count)
        right.reserveCapacity(pairs.count)
        result.reserveCapacity(pairs.count)
        for (rank, (a, b)) in pairs.enumerated() {
            func id(_ text: String) throws(TokenizerError) -> Int32 {
                guard let id = idOfText[text] else {
                    throw .mergeOfUnknownToken(merge: "\(a) \(b)", rank: rank, missing: text)
                }
                return id
            }
            let (leftID, rightID, resultID) = (try id(String(a)), try id(String(b)), try id(String(a) + String(b)))
            let key = Self.key(leftID, rightID)
            guard rankOfPair[key] == nil else { continue }
            rankOfPair[key] = Int32(left.count)
            left.append(leftID)
            right.append(rightID)
            result.append(resultID)
        }
        self.rankOfPair = rankOfPair
        self.left = left
        self.right = right
        self.result = result
    }

    /// The rank of the merge joining `left` and `right`, if there is one.
    @inline(__always)
    func rank(_ left: Int32, _ right: Int32) -> Int32? { rankOfPair[Self.key(left, right)] }

    @inline(__always)
    private static func key(_ left: Int32, _ right: Int32) -> UInt64 {
        UInt64(UInt32(bitPattern: left)) << 32 | UInt64(UInt32(bitPattern: right))
    }
}
