"""A calc agent in Python, using the official `openai` package as any OpenAI client would.

Fulmen runs this program once per episode (see calc.yaml beside it): the problem arrives as JSON on
standard input, e.g. {"a": 12, "op": "+", "b": 5}, and OPENAI_BASE_URL / OPENAI_API_KEY point the client
at the runner pool's policy model under this episode's attempt, so every call is recorded for training.
The agent asks the model for a calculator call, runs the calculator itself, asks for the answer, and
prints its reward as the last line of output.
"""

import json
import sys

from openai import OpenAI

INT64 = range(-(2**63), 2**63)


def calculator(call: str) -> str:
    """Evaluates a call `C:{a}{op}{b}` on unsigned operands of 1 to 18 digits: `R:{result}` or `R:ERR`."""
    if not call.startswith("C:"):
        return "R:ERR"
    expression = call[2:]
    for op in "+-*":
        a, sep, b = expression.partition(op)
        if not sep:
            continue
        if not (a.isdigit() and b.isdigit() and a.isascii() and b.isascii()):
            return "R:ERR"
        if not (1 <= len(a) <= 18 and 1 <= len(b) <= 18):
            return "R:ERR"
        value = {"+": int(a) + int(b), "-": int(a) - int(b), "*": int(a) * int(b)}[op]
        return f"R:{value}" if value in INT64 else "R:ERR"
    return "R:ERR"


def main() -> None:
    problem = json.load(sys.stdin)
    expression = f"{problem['a']}{problem['op']}{problem['b']}"
    expected = {"+": problem["a"] + problem["b"], "-": problem["a"] - problem["b"], "*": problem["a"] * problem["b"]}[
        problem["op"]
    ]
    limit = len(f"C:{expression}\n") + 2

    client = OpenAI()
    messages = [{"role": "user", "content": f"Q:{expression}"}]
    first = client.chat.completions.create(model="policy", messages=messages, max_tokens=limit, stop=["\n"])
    call = first.choices[0].message.content
    messages += [{"role": "assistant", "content": call}, {"role": "user", "content": calculator(call)}]
    second = client.chat.completions.create(model="policy", messages=messages, max_tokens=limit, stop=["\n"])
    answer = second.choices[0]

    correct = answer.finish_reason == "stop" and answer.message.content == f"A:{expected}"
    print(json.dumps({"reward": 1.0 if correct else 0.0}))


if __name__ == "__main__":
    main()
