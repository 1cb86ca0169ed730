import FulmenCLI

// Fulmen's whole command line (`trainer`, `submit`, `up`, …), with one more algorithm a spec may name.
await FulmenCommandLine.main(registering: [Reinforce.self])
