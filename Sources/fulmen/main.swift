import FulmenCLI

await FulmenCommandLine.main()
