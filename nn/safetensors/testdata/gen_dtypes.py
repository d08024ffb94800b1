#!/usr/bin/python3
"""Writes dtypes.safetensors with the Python standard library only (struct
and json), as an independent check of the Go reader (TestDTypesGolden).

Run from this directory: /usr/bin/python3 gen_dtypes.py

Values are given as bit patterns where the bits matter (NaN payloads,
-0, subnormals, infinities). The layout is the reference writer's:
"__metadata__" first, tensors by decreasing dtype alignment then by name,
compact JSON, header padded with spaces to a multiple of 8 bytes.
"""
import json
import struct

# name: (dtype, shape, struct format of one element, elements)
TENSORS = [
    ("i64", "I64", [3], "<q", [1, -5, 2**40]),
    ("i64_small", "I64", [2], "<q", [7, -(2**31)]),
    # 1.0, -0.0, the smallest subnormal, -Inf, a signalling NaN with payload 1
    ("f32", "F32", [5], "<I", [0x3F800000, 0x80000000, 0x00000001, 0xFF800000, 0x7F800001]),
    ("i32", "I32", [2, 2], "<i", [-(2**31), -1, 0, 2**31 - 1]),
    # 1.5, a negative NaN with payload 1, the smallest subnormal, +Inf
    ("bf16", "BF16", [4], "<H", [0x3FC0, 0xFF81, 0x0001, 0x7F80]),
    # 1, -2, -0, smallest subnormal, 65504, +Inf, -Inf, NaN with payload 1
    ("f16", "F16", [2, 4], "<H", [0x3C00, 0xC000, 0x8000, 0x0001, 0x7BFF, 0x7C00, 0xFC00, 0x7E01]),
]

header = {"__metadata__": {"writer": "gen_dtypes.py"}}
data = b""
for name, dtype, shape, fmt, values in TENSORS:
    raw = b"".join(struct.pack(fmt, v) for v in values)
    header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [len(data), len(data) + len(raw)]}
    data += raw

text = json.dumps(header, separators=(",", ":")).encode("utf-8")
text += b" " * (-len(text) % 8)
with open("dtypes.safetensors", "wb") as f:
    f.write(struct.pack("<Q", len(text)))
    f.write(text)
    f.write(data)
