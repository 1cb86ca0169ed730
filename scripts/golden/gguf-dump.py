#!/usr/bin/env python3
"""Prints a GGUF file as read by the `gguf` Python package (llama.cpp's own reader), as JSON on stdout.

Needs: python3 -m pip install gguf numpy    (scripts/test-requirements.txt)

  scripts/golden/gguf-dump.py FILE

Output: {"version", "alignment", "data_offset", "fields": {key: value}, "tensors": [{"name", "type", "shape",
"offset", "values"}]} with shapes innermost first (as GGUF stores them) and tensor values as floats (F32 and F16
tensors only; others list no values). ModelFilesTests runs it on files GGUFWriter made, to check that llama.cpp's
tooling reads them as Fulmen meant.
"""

import json
import sys

import numpy as np
from gguf import GGUFReader, GGMLQuantizationType


def main():
    reader = GGUFReader(sys.argv[1])
    fields = {}
    for name, field in reader.fields.items():
        if name.startswith("GGUF."):
            continue
        value = field.contents()
        fields[name] = value
    tensors = []
    for tensor in reader.tensors:
        entry = {
            "name": tensor.name,
            "type": tensor.tensor_type.name,
            "shape": [int(d) for d in tensor.shape],
            "offset": int(tensor.data_offset) - int(reader.data_offset),
        }
        if tensor.tensor_type in (GGMLQuantizationType.F32, GGMLQuantizationType.F16):
            entry["values"] = [float(v) for v in np.asarray(tensor.data, dtype=np.float32).reshape(-1)]
        tensors.append(entry)
    out = {
        "version": int(reader.fields["GGUF.version"].contents()),
        "alignment": int(reader.alignment),
        "data_offset": int(reader.data_offset),
        "fields": fields,
        "tensors": tensors,
    }
    json.dump(out, sys.stdout, ensure_ascii=False)


if __name__ == "__main__":
    main()
