// swift-tools-version:6.0
import PackageDescription

let strictSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

// The model's elementwise kernels (GELU, LayerNorm, softmax, attention, AdamW) are compiled for x86-64-v3
// (AVX2, FMA, F16C: every x86 server since 2015), where an eight-float vector is one register and one
// instruction: 6-8% more training and 15% more batched generation throughput on the `tiny` preset, with
// the same arithmetic (Swift fuses no multiply-add it is not asked to). scripts/bootstrap refuses an x86
// machine without AVX2.
#if arch(x86_64)
let modelCodeGeneration: [SwiftSetting] = [.unsafeFlags(["-target-cpu", "haswell"])]
#else
let modelCodeGeneration: [SwiftSetting] = []
#endif

let package = Package(
    name: "Fulmen",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "fulmen", targets: ["fulmen"]),
        .library(name: "ZMQActorSystem", targets: ["ZMQActorSystem"]),
        .library(name: "FulmenCore", targets: ["FulmenCore"]),
        .library(name: "FulmenStore", targets: ["FulmenStore"]),
        .library(name: "FulmenModel", targets: ["FulmenModel"]),
        .library(name: "FulmenLlama", targets: ["FulmenLlama"]),
        .library(name: "FulmenPolicy", targets: ["FulmenPolicy"]),
        .library(name: "FulmenRunner", targets: ["FulmenRunner"]),
        .library(name: "FulmenEndpoint", targets: ["FulmenEndpoint"]),
        .library(name: "FulmenTasks", targets: ["FulmenTasks"]),
        .library(name: "FulmenAgents", targets: ["FulmenAgents"]),
        .library(name: "FulmenTrainer", targets: ["FulmenTrainer"]),
        .library(name: "FulmenTrainingAPI", targets: ["FulmenTrainingAPI"]),
        .library(name: "FulmenCLI", targets: ["FulmenCLI"]),
        .library(name: "Tokenizers", targets: ["Tokenizers"]),
        .library(name: "ModelFiles", targets: ["ModelFiles"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", exact: "1.16.2"),
        .package(url: "https://github.com/apple/swift-crypto", exact: "4.5.2"),
        .package(url: "https://github.com/groue/GRDB.swift", exact: "7.10.0"),
        .package(url: "https://github.com/apple/swift-distributed-tracing", exact: "1.7.3"),
        .package(url: "https://github.com/jpsim/Yams", exact: "6.2.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", exact: "2.28.1"),
        .package(url: "https://github.com/swiftlang/swift-subprocess", exact: "1.0.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", exact: "2.13.0"),
    ],
    targets: [
        // System libraries (installed by scripts/bootstrap).
        .systemLibrary(name: "CZeroMQ"),
        .systemLibrary(name: "CBLAS", pkgConfig: "openblas"),

        // A small Swift face over libzmq.
        .target(name: "ZeroMQ", dependencies: ["CZeroMQ"], swiftSettings: strictSettings),

        // Fulmen's binary coding: byte writer and bounds-checked reader, and the tagged Codable format that
        // the actor system's messages carry and the store keeps in its database. Depends on nothing.
        .target(name: "BinaryCoding", swiftSettings: strictSettings),

        // Pretrained models' files: GGUF (read memory-mapped, dequantised to Float32; and written), Hugging Face
        // directories (config.json, safetensors), and where the bundled models live. Depends on Foundation only.
        // Optimised in debug builds too: tests load and dequantise real models.
        .target(
            name: "ModelFiles",
            swiftSettings: strictSettings + [.unsafeFlags(["-O"], .when(configuration: .debug))] + modelCodeGeneration
        ),

        // The distributed actor system every Fulmen process runs on.
        .target(
            name: "ZMQActorSystem",
            dependencies: ["BinaryCoding", "ZeroMQ", .product(name: "Logging", package: "swift-log")],
            swiftSettings: strictSettings
        ),

        // The vocabulary every Fulmen process shares, and the distributed protocols they call.
        .target(name: "FulmenCore", dependencies: ["BinaryCoding"], swiftSettings: strictSettings),

        // The store actor and its SQLite persistence.
        .target(
            name: "FulmenStore",
            dependencies: [
                "BinaryCoding",
                "FulmenCore",
                "ZMQActorSystem",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),

        // Pretrained models' text side: byte-level BPE tokenizers (from GGUF metadata, read with ModelFiles, or
        // from tokenizer.json) and their chat templates, recognised from the template text.
        .target(name: "Tokenizers", dependencies: ["ModelFiles"], swiftSettings: strictSettings),

        // The policy language model on OpenBLAS.
        // Optimised in debug builds too: the tests and `swift run` train and sample real models.
        .target(
            name: "FulmenModel", dependencies: ["CBLAS", "ModelFiles", "Tokenizers"],
            swiftSettings: strictSettings + [.unsafeFlags(["-O"], .when(configuration: .debug))] + modelCodeGeneration
        ),

        // Llama-family decoders (RMSNorm, rotary positions, grouped-query attention, SwiGLU) on FulmenModel's
        // BLAS layer, with a paged key/value cache, loaded with their tokenizer and chat template from a GGUF file or
        // a Hugging Face directory. Optimised in debug builds too, like FulmenModel.
        .target(
            name: "FulmenLlama", dependencies: ["FulmenModel", "ModelFiles", "Tokenizers"],
            swiftSettings: strictSettings + [.unsafeFlags(["-O"], .when(configuration: .debug))] + modelCodeGeneration
        ),

        // The policy model as runners and trainers use it, whatever its family: which model a spec names, the
        // weights resource runners load (a GPT, a whole Llama, or LoRA adapters on a shared base), its tokenizer.
        .target(
            name: "FulmenPolicy", dependencies: ["FulmenModel", "FulmenLlama", "Tokenizers", "ModelFiles"],
            swiftSettings: strictSettings
        ),

        // Runner pools: the agent API, the rollout context, local policy inference, the tracer.
        .target(
            name: "FulmenRunner",
            dependencies: [
                "FulmenCore",
                "FulmenModel",
                "FulmenPolicy",
                "Tokenizers",
                "ZMQActorSystem",
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Subprocess", package: "swift-subprocess"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strictSettings
        ),

        // The OpenAI-compatible HTTP face of a runner pool's policy model, for agents in any language.
        .target(
            name: "FulmenEndpoint",
            dependencies: [
                "FulmenRunner", "FulmenCore", "FulmenModel", "FulmenPolicy", "Tokenizers",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),

        // The bundled tasks' environments: problems, splits, scripted experts and demonstrators, success.
        // What a trainer needs of a task; it links no runner.
        .target(
            name: "FulmenTasks",
            dependencies: [
                "FulmenCore", "FulmenModel", "Tokenizers", .product(name: "GRDB", package: "GRDB.swift"),
                // The SQLite C API, to limit what model-written SQL can do (no ATTACH, bounded work).
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
            ],
            swiftSettings: strictSettings
        ),

        // The bundled tasks' agents: each task played by the policy model through a runner's rollout context.
        .target(
            name: "FulmenAgents",
            dependencies: ["FulmenTasks", "FulmenRunner", "FulmenModel"],
            swiftSettings: strictSettings
        ),

        // The trainer: spans to training data, and the algorithms that learn from it.
        .target(
            name: "FulmenTrainer",
            dependencies: [
                "FulmenCore", "FulmenModel", "FulmenPolicy", "FulmenLlama", "FulmenTasks", "Tokenizers",
                .product(name: "Yams", package: "Yams"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),

        // The training API, over HTTP and as a distributed actor: a phase whose algorithm is a program of the
        // user's, in any language (`external`).
        .target(
            name: "FulmenTrainingAPI",
            dependencies: [
                "FulmenTrainer", "FulmenCore", "FulmenModel", "ZMQActorSystem", .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),

        // Fulmen's command line, as a library: the `fulmen` executable runs it, and so does a user's own
        // trainer executable with their algorithms registered.
        .target(
            name: "FulmenCLI",
            dependencies: [
                "ZMQActorSystem",
                "FulmenCore",
                "FulmenStore",
                "FulmenRunner",
                "FulmenEndpoint",
                "FulmenTasks",
                "FulmenAgents",
                "FulmenModel",
                "FulmenTrainer",
                "FulmenTrainingAPI",
                "FulmenPolicy",
                "Tokenizers",
                "ModelFiles",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            // The script that fetches the bundled models (scripts/fetch-model links to it), carried in the binary
            // so that `fulmen models fetch` works wherever the executable is.
            resources: [.embedInCode("Resources/fetch-model.sh")],
            swiftSettings: strictSettings
        ),

        // The one executable.
        .executableTarget(name: "fulmen", dependencies: ["FulmenCLI"], swiftSettings: strictSettings),

        // A user's algorithm in their own trainer executable: REINFORCE with a leave-one-out baseline (README,
        // "Your own algorithm"). Built with the package, so CI builds Fulmen once.
        .executableTarget(
            name: "fulmen-reinforce",
            dependencies: ["FulmenCLI", "FulmenTrainer", "FulmenCore"],
            path: "examples/reinforce",
            exclude: ["reinforce.yaml"],
            swiftSettings: strictSettings
        ),

        // Test support: the distributed protocols the test processes share, and the
        // helper executable the integration tests start as a separate OS process.
        .target(
            name: "ZMQTestSupport",
            dependencies: ["ZMQActorSystem"],
            path: "Tests/ZMQTestSupport",
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "ZMQTestNode",
            dependencies: ["ZMQTestSupport", "ZMQActorSystem", .product(name: "Logging", package: "swift-log")],
            path: "Tests/ZMQTestNode",
            swiftSettings: strictSettings
        ),
        // Where the tests of the real model find the bundled GGUF (or are told to skip it).
        .target(name: "ModelTestSupport", dependencies: ["ModelFiles"], path: "Tests/ModelTestSupport", swiftSettings: strictSettings),
        .testTarget(name: "ZeroMQTests", dependencies: ["ZeroMQ"], swiftSettings: strictSettings),
        .testTarget(name: "BinaryCodingTests", dependencies: ["BinaryCoding"], swiftSettings: strictSettings),
        .testTarget(
            name: "ZMQActorSystemTests",
            dependencies: ["ZMQActorSystem", "BinaryCoding", "ZMQTestSupport", "ZMQTestNode"],
            swiftSettings: strictSettings
        ),
        .testTarget(name: "FulmenCoreTests", dependencies: ["FulmenCore", "BinaryCoding"], swiftSettings: strictSettings),
        .executableTarget(
            name: "StoreTestWorker",
            dependencies: ["FulmenCore", "ZMQActorSystem", "ZMQTestSupport"],
            path: "Tests/StoreTestWorker",
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "FulmenStoreTests",
            dependencies: ["FulmenStore", "FulmenCore", "ZMQActorSystem", "ZMQTestSupport", "StoreTestWorker", "fulmen"],
            // Store databases made by earlier versions, found by #filePath (Fixtures/README.md).
            exclude: ["Fixtures"],
            swiftSettings: strictSettings
        ),
        .testTarget(name: "FulmenModelTests", dependencies: ["FulmenModel"], swiftSettings: strictSettings),
        .testTarget(
            name: "TokenizersTests", dependencies: ["Tokenizers", "ModelFiles", "ModelTestSupport"],
            // Golden ids and renders made by scripts/golden/*.py, found by #filePath.
            exclude: ["Fixtures"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "ModelFilesTests", dependencies: ["ModelFiles", "ModelTestSupport"],
            // Golden values made by scripts/golden/dequant-fixtures.py, found by #filePath (Fixtures/README.md).
            exclude: ["Fixtures"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "FulmenLlamaTests",
            dependencies: ["FulmenLlama", "FulmenModel", "ModelFiles", "Tokenizers", "ModelTestSupport"],
            // Golden data made by scripts/golden/llama-reference.py, llm-logits.py, lora-reference.py,
            // lora-peft-golden.py, lora-half-adapters.py, merged-gguf-llamacpp.py and hf-llama-golden.py, found by
            // #filePath.
            exclude: ["Fixtures"], swiftSettings: strictSettings),
        .testTarget(
            name: "FulmenPolicyTests",
            dependencies: ["FulmenPolicy", "FulmenLlama", "FulmenModel", "Tokenizers", "ModelTestSupport"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "FulmenSystemTests",
            dependencies: [
                "FulmenCore", "FulmenModel", "FulmenTrainer", "FulmenTrainingAPI", "ZMQActorSystem", "ZMQTestSupport",
                "ModelTestSupport", "fulmen", "fulmen-reinforce",
            ],
            swiftSettings: strictSettings
        ),
        .target(
            name: "RunnerTestSupport",
            dependencies: [
                "FulmenRunner", "FulmenCore", .product(name: "Tracing", package: "swift-distributed-tracing"),
            ],
            path: "Tests/RunnerTestSupport",
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "RunnerTestNode",
            dependencies: [
                "RunnerTestSupport", "FulmenRunner", "FulmenCore", "ZMQActorSystem", "ZMQTestSupport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Tests/RunnerTestNode",
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "FulmenRunnerTests",
            dependencies: [
                "FulmenRunner", "FulmenCore", "FulmenModel", "ZMQActorSystem", "ZMQTestSupport", "RunnerTestSupport",
                "RunnerTestNode", "fulmen", .product(name: "Tracing", package: "swift-distributed-tracing"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "FulmenEndpointTests",
            dependencies: [
                "FulmenEndpoint", "FulmenRunner", "FulmenCore", "FulmenModel", "ZMQActorSystem", "ZMQTestSupport",
                "FulmenPolicy", "FulmenLlama", "Tokenizers", "ModelFiles", "ModelTestSupport", "fulmen",
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "FulmenTasksTests",
            dependencies: ["FulmenTasks", "FulmenAgents", "FulmenRunner", "FulmenCore", "FulmenModel"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "FulmenTrainerTests",
            dependencies: [
                "FulmenTrainer", "FulmenCore", "FulmenModel", "FulmenTasks", "FulmenStore", "ZMQActorSystem", "ZMQTestSupport",
                "FulmenPolicy", "FulmenLlama", "Tokenizers", "ModelTestSupport",
            ],
            swiftSettings: strictSettings
        ),

        // Benchmarks (built in release by benchmarks/run).
        .executableTarget(
            name: "ActorsBenchmark",
            dependencies: ["ZMQActorSystem", "ZeroMQ"],
            path: "benchmarks/actors",
            exclude: ["floor.c", "run.sh"],
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "StoreBenchmark",
            dependencies: ["FulmenCore", "ZMQActorSystem"],
            path: "benchmarks/store",
            exclude: ["run.sh"],
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "RunnerBenchmark",
            dependencies: ["FulmenRunner", "FulmenTasks", "FulmenAgents", "FulmenCore", "FulmenModel", "ZMQActorSystem"],
            path: "benchmarks/runner",
            exclude: ["run.sh"],
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "ScalingBenchmark",
            dependencies: [
                "FulmenRunner", "FulmenCore", "ZMQActorSystem", .product(name: "Logging", package: "swift-log"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "benchmarks/scaling",
            exclude: ["run.sh", "report.py"],
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "EndpointBenchmark",
            dependencies: ["FulmenEndpoint", "FulmenRunner", "FulmenCore", "FulmenModel", .product(name: "Logging", package: "swift-log")],
            path: "benchmarks/endpoint",
            exclude: ["run.sh"],
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "ModelBenchmark",
            dependencies: ["FulmenModel"],
            path: "benchmarks/model",
            exclude: ["run.sh", "gpt_reference.py"],
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "LLMBenchmark",
            dependencies: ["FulmenLlama", "FulmenModel", "ModelFiles", "Tokenizers", "CBLAS"],
            path: "benchmarks/llm",
            exclude: ["run.sh", "llamacpp_reference.py", "torch_lora_reference.py", "report.py"],
            swiftSettings: strictSettings
        ),
    ]
)
