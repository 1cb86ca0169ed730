"""A calc agent on SmolLM2-135M-Instruct, using the official `openai` package as any OpenAI client would.

Fulmen runs this program once per episode (see calc.yaml beside it): the problem arrives as JSON on standard
input, e.g. {"a": 12, "op": "+", "b": 5}, and OPENAI_BASE_URL / OPENAI_API_KEY point the client at the runner
pool's policy model under this episode's attempt, so every call is recorded for training. The endpoint renders
the messages with the model's own chat template (ChatML), so this is the conversation SmolLM2 was tuned on.

The system message describes a calculator protocol with one worked example: the model writes `CALC: expression`,
the agent answers `RESULT: value` (as a user message: SmolLM2's template has no tool role), and the model writes
`ANSWER: number`. The agent prints its reward as the last line of output.
"""

import json
import re
import sys

from openai import OpenAI

SYSTEM = (
    "You can use a calculator. To use it, write CALC: followed by an expression, then stop. "
    "You will get RESULT: with the value. Then write ANSWER: followed by the number."
)
EXAMPLE = [
    {"role": "user", "content": "What is 12 * 34?"},
    {"role": "assistant", "content": "CALC: 12*34"},
    {"role": "user", "content": "RESULT: 408"},
    {"role": "assistant", "content": "ANSWER: 408"},
]


def calculator(reply: str) -> str:
    """Evaluates the expression after `CALC:` (integers, + - * and parentheses only): `RESULT: value`."""
    match = re.search(r"CALC:\s*([0-9+\-* ()]+)", reply)
    if not match:
        return "RESULT: error (write CALC: followed by an expression)"
    try:
        return f"RESULT: {eval(match.group(1), {'__builtins__': {}})}"  # the pattern admits only arithmetic
    except Exception:
        return "RESULT: error"


def main() -> None:
    problem = json.load(sys.stdin)
    a, op, b = problem["a"], problem["op"], problem["b"]
    expected = {"+": a + b, "-": a - b, "*": a * b}[op]

    client = OpenAI()
    messages = [{"role": "system", "content": SYSTEM}, *EXAMPLE, {"role": "user", "content": f"What is {a} {op} {b}?"}]
    first = client.chat.completions.create(model="policy", messages=messages, max_tokens=24, temperature=1.0)
    call = first.choices[0].message.content
    messages += [{"role": "assistant", "content": call}, {"role": "user", "content": calculator(call)}]
    second = client.chat.completions.create(model="policy", messages=messages, max_tokens=16, temperature=1.0)
    answer = second.choices[0].message.content

    numbers = re.findall(r"-?\d+", answer.replace(",", ""))
    correct = "ANSWER:" in answer and bool(numbers) and int(numbers[-1]) == expected
    print(json.dumps({"reward": 1.0 if correct else 0.0}))


if __name__ == "__main__":
    main()
