/// A 64-bit hash of text that is the same in every process and every run (FNV-1a over its UTF-8
/// bytes), unlike `Hasher`, which is seeded per process. Demonstrators key their choices on it so a
/// given input is always demonstrated the same way.
enum StableHash {
    static func of(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in text.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01B3 }
        return hash
    }
}
