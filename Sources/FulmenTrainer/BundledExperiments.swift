/// The experiment `fulmen up` runs when given none: `examples/calc.yaml`, built into the executable so that
/// it runs from anywhere. (A test checks the two say the same.)
public enum BundledExperiments {
    public static let calc = """
        # Multi-digit arithmetic with a calculator tool (see README): a supervised warm start on the scripted
        # expert's demonstrations, then GRPO on rollouts the runners play with the current weights.
        task: calc
        model: { preset: tiny }
        seed: 1
        split: { train: 2000, validation: 200 }
        sft: { steps: 200, batchSize: 32, learningRate: 0.001 }
        grpo: { steps: 200, problemsPerStep: 16, groupSize: 8, learningRate: 0.0001, temperature: 1.0 }
        evaluation: { every: 25, problems: 200 }
        adapter: { creditAssignment: final }
        checkpointEvery: 50

        """
}
