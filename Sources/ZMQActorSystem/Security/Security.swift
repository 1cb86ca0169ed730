extension ZMQActorSystem {
    /// How a node encrypts and authenticates its connections with CurveZMQ.
    ///
    /// Every node has a key pair. Its listening socket is a CURVE server that admits only the
    /// nodes whose public keys are on its allow-list (checked by the node's ZAP handler during
    /// the handshake, before any message is read). Its connections to other nodes are CURVE
    /// clients, which must know each peer's public key: a node given in `serverKeys`, or a node
    /// that connected to this one first (its connection proved its key, which is the key its
    /// own listening socket uses). So runners and trainers are given the store's key, and the
    /// store, which only ever calls back nodes that called it, needs none.
    ///
    /// Without `Settings.security` (the default) connections are plain text and anyone who
    /// reaches the port can call every actor: keep that to a single host or a network no one
    /// else can reach, such as tests and `fulmen up`.
    ///
    /// ```swift
    /// var settings = ZMQActorSystem.Settings(bindEndpoint: "tcp://0.0.0.0:7300")
    /// settings.security = .init(
    ///     keyPair: try CurveKeyPair(secretKeyFile: "/etc/fulmen/runner-1.key"),
    ///     allowList: try AllowList(file: "/etc/fulmen/allowed-keys"),
    ///     serverKeys: ["tcp://store-host:7200": try CurveKey(publicKeyFile: "/etc/fulmen/store.pub")])
    /// ```
    public struct Security: Sendable {
        /// This node's key pair, for its listening socket and its connections alike.
        public var keyPair: CurveKeyPair
        /// The nodes allowed to connect to this one; the node's own key is always allowed.
        public var allowList: AllowList
        /// The public keys of nodes this node calls, by endpoint as actor addresses name it
        /// (e.g. the store's). Other nodes are called with the key they proved when they
        /// connected to this one; a node known neither way cannot be called.
        public var serverKeys: [String: CurveKey]

        /// Security with this node's key pair, the nodes it admits, and the keys of the nodes it calls.
        public init(keyPair: CurveKeyPair, allowList: AllowList = AllowList([]), serverKeys: [String: CurveKey] = [:]) {
            self.keyPair = keyPair
            self.allowList = allowList
            self.serverKeys = serverKeys
        }
    }
}
