#!/usr/bin/env python3
"""Golden data for Fulmen's byte-level BPE tokenizer (Sources/Tokenizers), with Hugging Face `tokenizers` as the
reference.

Needs: python3 -m pip install gguf numpy tokenizers

Run from the repository root (this is how the committed files were made, 2026-12-07, gguf 0.19.0,
tokenizers 0.23.3):

    python3 scripts/golden/tokenizer-golden.py /work/models/SmolLM2-135M-Instruct.Q4_1.gguf

    python3 scripts/golden/tokenizer-golden.py GGUF --hf-dir DIR --tokenizer-only
        only step 2, into DIR (the Swift tests run this to check the tokenizer.json path against the GGUF's)

What it does:
1. Reads the GGUF's vocabulary, token types, merges and pre-tokenizer name (`smollm`) with `gguf`.
2. Builds the `tokenizer.json` that Hugging Face `tokenizers` runs for that vocabulary: pre-tokenizer Digits
   (each digit alone) then ByteLevel (no prefix space, GPT-2's regex), BPE model, ByteLevel decoder, and the
   control tokens as added special tokens. Writes it, as `tokenizers` saves it, to DIR/tokenizer.json (--hf-dir,
   by default a temporary directory), with a tokenizer_config.json beside it (bos/eos token text and the chat
   template).
3. Writes a seeded corpus of >= 2,000 strings and, for each, the reference ids (special tokens parsed, and, where
   it differs, with special tokens left as text) and the pre-tokenizer splits of GPT-2's and Llama 3's regexes
   (lengths of the pieces in Unicode scalars), to Tests/TokenizersTests/Fixtures/tokenizer-golden.json.
"""
import json
import os
import random
import sys

from gguf import GGUFReader
from tokenizers import Regex, Tokenizer
from tokenizers.pre_tokenizers import Split

SEED = 20261207
OUT = os.path.join("Tests", "TokenizersTests", "Fixtures", "tokenizer-golden.json")

GPT2_REGEX = r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"""
LLAMA3_REGEX = (
    r"""(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+"""
    r"""|\s+(?!\S)|\s+"""
)


def read_gguf(path):
    reader = GGUFReader(path)
    fields = reader.fields

    def value(key):
        return fields[key].contents() if key in fields else None

    return {
        "tokens": value("tokenizer.ggml.tokens"),
        "types": value("tokenizer.ggml.token_type"),
        "merges": value("tokenizer.ggml.merges"),
        "pre": value("tokenizer.ggml.pre"),
        "bos": value("tokenizer.ggml.bos_token_id"),
        "eos": value("tokenizer.ggml.eos_token_id"),
        "add_bos": value("tokenizer.ggml.add_bos_token"),
        "chat_template": value("tokenizer.chat_template"),
    }


def build_tokenizer_json(meta):
    assert meta["pre"] == "smollm", meta["pre"]
    added = [
        {
            "id": i,
            "content": text,
            "single_word": False,
            "lstrip": False,
            "rstrip": False,
            "normalized": False,
            "special": True,
        }
        for i, (text, kind) in enumerate(zip(meta["tokens"], meta["types"]))
        if kind in (3, 4)  # control, user-defined
    ]
    byte_level = {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": True}
    return {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": added,
        "normalizer": None,
        "pre_tokenizer": {
            "type": "Sequence",
            "pretokenizers": [{"type": "Digits", "individual_digits": True}, byte_level],
        },
        "post_processor": dict(byte_level, trim_offsets=False),
        "decoder": byte_level,
        "model": {
            "type": "BPE",
            "dropout": None,
            "unk_token": None,
            "continuing_subword_prefix": None,
            "end_of_word_suffix": None,
            "fuse_unk": False,
            "byte_fallback": False,
            "ignore_merges": False,
            "vocab": {text: i for i, text in enumerate(meta["tokens"])},
            "merges": list(meta["merges"]),
        },
    }


WORDS = (
    "the of and to in is was for on that with as by at from it his an were are which this be has or had "
    "first one their its new after but who not they have her she two been other when there all during into "
    "school time may years more most only over city some world would where later up such used many can state "
    "about national out known university united then made don't it's we'll they're I've you'd she'll He's "
    "CAPITAL Letters MixedCase camelCase snake_case kebab-case e-mail naïve café résumé Zürich Ångström"
).split()

SCRIPTS = [
    "東京は日本の首都です。", "我爱自然语言处理和机器学习", "漢字かなカナ混じり文", "한국어 문장도 있습니다",
    "Привет, мир! Как дела?", "Съешь же ещё этих мягких французских булок",
    "مرحبا بالعالم، كيف حالك؟", "اللغة العربية ١٢٣ ٤٥٦", "नमस्ते दुनिया, आप कैसे हैं?", "हिन्दी १२३४",
    "Γειά σου Κόσμε", "שלום עולם", "สวัสดีชาวโลก", "Xin chào thế giới", "Tiếng Việt có dấu",
    "ⅫⅣ½¾²³₁₂", "e\u0301 a\u0308 n\u0303", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 𝕞𝕒𝕥𝕙", "ǅemal ǈubljana", "ſtraße ß ẞ",
]

EMOJI = [
    "😀", "🚀", "👍🏽", "👨‍👩‍👧‍👦", "🏳️‍🌈", "🇫🇷🇯🇵", "❤️", "🧑‍💻", "👩🏾‍🔬", "1️⃣", "🤖🤝🧠", "☕️",
]

CODE = [
    "func f(x: Int) -> Int {\n    return x * 2\n}\n",
    "def main():\n\tprint('hello')  # comment\n\n\nif __name__ == '__main__':\n    main()\n",
    '{"a": [1, 2, 3], "b": {"c": null, "d": true}}',
    "SELECT name, COUNT(*) FROM users WHERE age >= 18 GROUP BY name;",
    "for (int i = 0; i < n; ++i) { sum += a[i]; }",
    "x=1;y=2;z=x+y**2//3%4",
    "<div class=\"x\">&amp;&lt;</div>",
    "let s = \"a\\nb\\t\\\"c\\\"\"",
    "#include <stdio.h>\nint main(void){return 0;}",
    "    indented\n        more\n\t\ttabs",
    "CALC: 69*346\nRESULT: 23874\nANSWER: 23874",
]

SPACES = [" ", "  ", "   ", "\t", "\n", "\n\n", "\r\n", "\r", "\u00a0", "\u3000", "\u2028", "\u000b", "\u000c",
          "\u0085", "\u001c", "\u2009", "\u200b", "\u202f", "\u1680", " \n ", "\t \t"]

NUMBERS = ["0", "7", "42", "123", "1234", "12345678901234567890", "3.14159", "1,000,000", "-17", "+3e10",
           "0x1F", "2026-12-07", "12:30:45", "$19.99", "50%", "1st", "2nd", "v1.2.3", "١٢٣", "१२३", "٣.١٤"]

SPECIALS = ["<|im_start|>", "<|im_end|>", "<|endoftext|>", "<repo_name>", "<file_sep>", "<jupyter_code>",
            "<empty_output>", "<|im_start", "im_end|>", "<|im_start|><|im_end|>", "<|endoftext|>!",
            "< |im_end| >"]

PUNCT = list(".,;:!?'\"()[]{}<>/\\|@#$%^&*-_+=~`") + ["'s", "'t", "'re", "'ve", "'m", "'ll", "'d", "'S", "'LL",
                                                      "’s", "...", "--", "—", "–", "«»", "„“", "¿¡"]


def pieces(rng):
    kind = rng.randrange(9)
    if kind == 0:
        return rng.choice(WORDS)
    if kind == 1:
        return rng.choice(SCRIPTS)
    if kind == 2:
        return rng.choice(EMOJI)
    if kind == 3:
        return rng.choice(CODE)
    if kind == 4:
        return rng.choice(SPACES)
    if kind == 5:
        return rng.choice(NUMBERS)
    if kind == 6:
        return rng.choice(SPECIALS)
    if kind == 7:
        return rng.choice(PUNCT)
    return chr(random_scalar(rng))


def random_scalar(rng):
    ranges = [(0x20, 0x7E), (0xA0, 0x24F), (0x370, 0x52F), (0x590, 0x6FF), (0x900, 0x97F), (0xE00, 0xE7F),
              (0x1100, 0x11FF), (0x2000, 0x206F), (0x2150, 0x218F), (0x3000, 0x30FF), (0x4E00, 0x9FFF),
              (0xAC00, 0xD7A3), (0xFF00, 0xFFEF), (0x1F300, 0x1FAFF), (0x0, 0x1F)]
    lo, hi = rng.choice(ranges)
    return rng.randint(lo, hi)


def corpus(rng):
    fixed = (
        ["", " ", "Hello world", "Hello, world!", " Hello", "hello  world", "a   b", "a\n\nb", "trailing   ",
         "   leading", "\n", "\n\n\n", "It's", "don't", "I'LL", "she'd", "'s'", "12345", "a1b2c3", " 1 2 3 ",
         "3.14", "x=10", "The capital of France is", "What is 123 * 45? Reply with only the number.",
         "<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n"
         "<|im_start|>user\nHi!<|im_end|>\n<|im_start|>assistant\n"]
        + SCRIPTS + EMOJI + CODE + SPACES + NUMBERS + SPECIALS + PUNCT
    )
    texts = list(fixed)
    # ASCII prose.
    for _ in range(400):
        n = rng.randint(1, 25)
        words = [rng.choice(WORDS) for _ in range(n)]
        sentence = " ".join(words)
        if rng.random() < 0.5:
            sentence = sentence[0].upper() + sentence[1:] + rng.choice([".", "!", "?", ",", ""])
        texts.append(sentence)
    # Mixed pieces, sometimes glued, sometimes spaced.
    for _ in range(1300):
        n = rng.randint(1, 12)
        glue = rng.choice(["", " ", "", "\n", "  "])
        texts.append(glue.join(pieces(rng) for _ in range(n)))
    # Random scalars.
    for _ in range(300):
        n = rng.randint(1, 30)
        texts.append("".join(chr(random_scalar(rng)) for _ in range(n)))
    # Whitespace runs around words and digits.
    for _ in range(200):
        n = rng.randint(1, 8)
        texts.append("".join(rng.choice(SPACES) + rng.choice(WORDS + NUMBERS) for _ in range(n))
                     + rng.choice(SPACES + [""]))
    return texts


def split_lengths(splitter, text):
    return [end - start for _, (start, end) in splitter.pre_tokenize_str(text)]


def main():
    import argparse
    import tempfile

    parser = argparse.ArgumentParser()
    parser.add_argument("gguf", nargs="?", default="/work/models/SmolLM2-135M-Instruct.Q4_1.gguf")
    parser.add_argument("--hf-dir", help="where tokenizer.json and tokenizer_config.json go (default: a temp dir)")
    parser.add_argument("--tokenizer-only", action="store_true", help="write the tokenizer files, not the corpus")
    args = parser.parse_args()
    meta = read_gguf(args.gguf)
    directory = args.hf_dir or tempfile.mkdtemp(prefix="smollm2-tokenizer-")
    os.makedirs(directory, exist_ok=True)
    tokenizer_json = os.path.join(directory, "tokenizer.json")
    # Loaded and saved by `tokenizers` itself, so the file is in the library's own form.
    Tokenizer.from_str(json.dumps(build_tokenizer_json(meta))).save(tokenizer_json + ".tmp")
    os.replace(tokenizer_json + ".tmp", tokenizer_json)
    config = {
        "add_bos_token": bool(meta["add_bos"]),
        "bos_token": meta["tokens"][meta["bos"]],
        "eos_token": meta["tokens"][meta["eos"]],
        "chat_template": meta["chat_template"],
    }
    tokenizer_config = os.path.join(directory, "tokenizer_config.json")
    with open(tokenizer_config + ".tmp", "w", encoding="utf-8") as f:
        json.dump(config, f, ensure_ascii=False, indent=1)
    os.replace(tokenizer_config + ".tmp", tokenizer_config)
    print("tokenizer files in %s" % directory)
    if args.tokenizer_only:
        return

    tokenizer = Tokenizer.from_file(tokenizer_json)
    verbatim = Tokenizer.from_file(tokenizer_json)
    verbatim.encode_special_tokens = True  # special-token text stays text
    gpt2 = Split(Regex(GPT2_REGEX), behavior="isolated")
    llama3 = Split(Regex(LLAMA3_REGEX), behavior="isolated")

    rng = random.Random(SEED)
    texts = corpus(rng)
    cases = []
    for text in texts:
        ids = tokenizer.encode(text, add_special_tokens=False).ids
        case = {"text": text, "ids": ids}
        plain = verbatim.encode(text, add_special_tokens=False).ids
        if plain != ids:
            case["idsVerbatim"] = plain
        case["gpt2"] = split_lengths(gpt2, text)
        case["llama3"] = split_lengths(llama3, text)
        # 21 byte values have no token in this vocabulary (0x04, 0x06, 0x13, 0x14, 0x16, 0x1D, 0xC0, 0xC1, 0xF1,
        # 0xF2, 0xF5-0xFF): `tokenizers` drops them (no unknown token), so such text does not round-trip.
        decoded = tokenizer.decode(ids, skip_special_tokens=False)
        if decoded != text:
            case["decoded"] = decoded
        cases.append(case)
    golden = {
        "about": "made by scripts/golden/tokenizer-golden.py from SmolLM2-135M-Instruct.Q4_1.gguf, seed %d" % SEED,
        "cases": cases,
    }
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w", encoding="utf-8") as f:
        json.dump(golden, f, ensure_ascii=False, separators=(",", ":"))
        f.write("\n")
    print("%d strings, %d ids, written to %s" % (len(cases), sum(len(c["ids"]) for c in cases), OUT))


if __name__ == "__main__":
    main()
