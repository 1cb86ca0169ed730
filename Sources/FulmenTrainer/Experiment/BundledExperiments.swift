/// The experiment `fulmen up` runs when given none: `examples/calc.yaml`, built into the executable so that
/// it runs from anywhere. (A test checks the two say the same.)
public enum BundledExperiments {
    public static let calc = """
        # Multi-digit arithmetic with a calculator tool (see README). A supervised warm start on an imperfect
        # demonstrator, which answers most products from its head instead of reading the calculator, inherits
        # that blind spot; GRPO then unlearns it from reward alone, on rollouts the runners play while the
        # trainer trains (asynchronous), each group of samples from the current weights or one version behind.
        task: calc
        model: { preset: tiny }
        seed: 1
        split: { train: 2000, validation: 200 }
        sft: { steps: 2000, batchSize: 32, learningRate: 0.001, demonstrator: imperfect }
        grpo: { steps: 150, problemsPerStep: 16, groupSize: 8, learningRate: 0.0005, epochs: 2, temperature: 1.0, dynamicSampling: true, asynchronous: true }
        evaluation: { every: 25, problems: 200 }
        adapter: { creditAssignment: final }
        checkpointEvery: 50

        """
}
