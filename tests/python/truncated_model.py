"""A small trained model for the per-type accuracy tests: the first layers of a GGUF file
(e.g. SmolLM2-135M) written as a model of its own.

Trained weights carry the outliers and the skewed activations that make one weight type's
kernel less accurate than another's; random weights do not. Two of SmolLM2's thirty layers keep
the real shapes (ffn_down's 1536 columns, a multiple of 256, is what llama.cpp can store in a
K-quant) at a fifteenth of the cost. The result is not a good language model; it is a real
network whose arithmetic can be measured.
"""

from __future__ import annotations

from pathlib import Path

import gguf


def write_truncated(source: Path, out: Path, n_layers: int) -> None:
    reader = gguf.GGUFReader(str(source))
    arch = str(reader.fields["general.architecture"].contents())
    writer = gguf.GGUFWriter(str(out), arch)
    for key, f in reader.fields.items():
        if key.startswith("GGUF.") or key == "general.architecture":
            continue
        vtype = f.types[0]
        sub = f.types[1] if vtype == gguf.GGUFValueType.ARRAY else None
        value = n_layers if key == f"{arch}.block_count" else f.contents()
        writer.add_key_value(key, value, vtype, sub)
    for t in reader.tensors:
        parts = t.name.split(".")
        if parts[0] == "blk" and int(parts[1]) >= n_layers:
            continue
        quantized = t.tensor_type not in (gguf.GGMLQuantizationType.F32, gguf.GGMLQuantizationType.F16)
        writer.add_tensor(t.name, t.data, raw_dtype=t.tensor_type if quantized else None)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
