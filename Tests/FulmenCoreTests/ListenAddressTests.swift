import FulmenCore
import Testing

@Suite struct ListenAddressTests {
    @Test func hostAndPortAreReadAndBadOnesRefused() {
        #expect(ListenAddress("0.0.0.0:7400") == ListenAddress("0.0.0.0:7400"))
        #expect(ListenAddress("0.0.0.0:7400").map { [$0.host, "\($0.port)"] } == ["0.0.0.0", "7400"])
        #expect(ListenAddress("[::1]:0").map { [$0.host, "\($0.port)"] } == ["::1", "0"])
        for bad in ["7400", ":7400", "[]:7400", "localhost:", "localhost:http", "localhost:65536", "localhost:-1"] {
            #expect(ListenAddress(bad) == nil, "\(bad)")
        }
    }
}
