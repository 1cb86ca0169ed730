"""GRPO written outside Fulmen, in Python, driving a trainer through its training API.

An experiment whose spec has an `external` phase (see external.yaml) serves the training API while that phase
runs; this program then is the phase's algorithm. Each step it asks the runners for groups of rollouts with the
current weights (`sample`), turns their rewards into group-relative advantages, adds the policy gradient
(`forward_backward`) and applies it (`optim_step`), which publishes the new weights for the next step's
rollouts. Plain HTTP and JSON: any language would do.

    python3 grpo.py --url http://127.0.0.1:8600 --token-file /tmp/fulmen-api.token --steps 20
"""

import argparse
import json
import math
import os
import time
import urllib.error
import urllib.request


class TrainingAPI:
    def __init__(self, url, token):
        self.url = url.rstrip("/")
        self.token = token

    def call(self, route, body=None, token=None):
        """POSTs `body` (GETs when None) to /v1/ROUTE; answers (status, parsed JSON)."""
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(f"{self.url}/v1/{route}", data=data, method="GET" if body is None else "POST")
        request.add_header("Authorization", f"Bearer {self.token if token is None else token}")
        request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request, timeout=600) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read())

    def __call__(self, route, body=None):
        status, answer = self.call(route, body)
        if status != 200:
            raise RuntimeError(f"{route}: {status} {answer}")
        return answer

    def wait_until_serving(self, timeout):
        """Waits for the phase to start serving (earlier phases may run first)."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                return self("state")
            except (urllib.error.URLError, ConnectionError):
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)


def group_advantages(group):
    """GRPO's advantages for one input's rollouts: each rollout's reward minus the group's mean, over the
    group's standard deviation; 0 for all when the rewards are equal. Every rollout counts once, whatever
    number of samples (model calls) it made."""
    usable = [r for r in group["rollouts"] if r["samples"]]
    rewards = [r["reward"] for r in usable]
    if not rewards:
        return []
    mean = sum(rewards) / len(rewards)
    deviation = math.sqrt(sum((r - mean) ** 2 for r in rewards) / len(rewards))
    batch = []
    for rollout in usable:
        advantage = 0.0 if deviation < 1e-9 else (rollout["reward"] - mean) / deviation
        for sample in rollout["samples"]:
            batch.append(dict(sample, advantage=advantage))
    return batch


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--token-file", required=True)
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--problems", type=int, default=8)
    parser.add_argument("--group-size", type=int, default=8)
    parser.add_argument("--learning-rate", type=float, default=1e-4)
    parser.add_argument("--dump", help="write the state before and after the first step taken, and its batch, here")
    arguments = parser.parse_args()

    with open(arguments.token_file) as file:
        api = TrainingAPI(arguments.url, file.read().strip())
    state = api.wait_until_serving(timeout=600)
    print(f"serving experiment {state['experiment']} at step {state['step']}", flush=True)

    dumped = False
    for _ in range(arguments.steps):
        batch = []
        # Groups whose rewards are all equal teach nothing: ask for more until some differ (at most 4 times).
        for _ in range(4):
            sampled = api("sample", {"problems": arguments.problems, "group_size": arguments.group_size, "temperature": 1.0})
            for group in sampled["groups"]:
                batch += group_advantages(group)
            if any(sample["advantage"] != 0 for sample in batch):
                break
        if not any(sample["advantage"] != 0 for sample in batch):
            print("no signal in this step's groups; skipped", flush=True)
            continue
        dumping = arguments.dump and not dumped
        if dumping:
            os.makedirs(arguments.dump, exist_ok=True)
            api("save_state", {"path": os.path.join(arguments.dump, "before.safetensors")})
            with open(os.path.join(arguments.dump, "batch.json"), "w") as file:
                json.dump({"samples": batch, "learning_rate": arguments.learning_rate}, file)
        passed = api("forward_backward", {"loss": "policy", "samples": batch, "clip_range": 0.2})
        stepped = api("optim_step", {"learning_rate": arguments.learning_rate})
        if dumping:
            api("save_state", {"path": os.path.join(arguments.dump, "after.safetensors")})
            dumped = True
        print(f"step {stepped['step']}: loss {passed['loss']:.4f} on {passed['samples']} samples, "
              f"gradient norm {stepped['gradient_norm']:.3f}", flush=True)

    print(f"validation success {api('evaluate', {})['success']:.3f}", flush=True)
    api("done", {})


if __name__ == "__main__":
    main()
