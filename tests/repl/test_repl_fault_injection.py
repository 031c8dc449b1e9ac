"""Fault injection (llmbm_build.fault_injection): the N-th plat_alloc or plat_read of a model
load or a chat turn fails, in an ASan + UBSan build of llmbm (B/tests/repl/llmbm-asan). Every
run must end normally with nothing leaked, say what failed, and after a failed /load keep the
earlier model and its conversation exactly as they were. The suite runs a stride of the calls
(each phase's first and last always); README "Reliability" gives the command that runs them all."""

from __future__ import annotations

from pathlib import Path

import pytest
from repl_helpers import copy_file, link_model

from llmbm_build.fault_injection import inject, read_offsets


@pytest.fixture(scope="module")
def llmbm_asan(build_dir: Path) -> Path:
    exe = build_dir / "tests" / "repl" / "llmbm-asan"
    assert exe.exists(), f"{exe} is not built (meson builds it for this test)"
    return exe


def volume(tmp: Path, testdata: Path, second: Path, name: str) -> Path:
    link_model(tmp, testdata / "stories260K.bin", "stories260K.bin")
    copy_file(tmp, testdata / "tok512.bin", "tokenizer.bin")
    link_model(tmp, second, name)
    return tmp


def test_every_fifth_fault_of_stories260k_loads_and_turns(
    llmbm_asan: Path, testdata: Path, tmp_path: Path
) -> None:
    vol = volume(tmp_path, testdata, testdata / "stories260K-q8_0-mix.gguf", "second.gguf")
    out = inject(llmbm_asan, vol, "stories260K.bin", "second.gguf", stride=5, kinds=("alloc", "read"))
    # The boot's llama2.c load, both turns and the GGUF /load each make calls to fail.
    alloc, read = out.bounds["alloc"], out.bounds["read"]
    assert alloc[0] > 0 and alloc[1] > alloc[0] and alloc[3] > alloc[2] and alloc[5] > alloc[4], alloc
    assert read[0] > 0 and read[3] > read[2], read
    assert out.runs >= alloc[-1] // 5 + read[-1] // 5
    assert not out.failures, "\n".join(out.failures)


def test_faults_of_a_smollm2_load_and_turn(
    llmbm_asan: Path, testdata: Path, smollm2: Path, tmp_path: Path
) -> None:
    vol = volume(tmp_path, testdata, smollm2, "smol.gguf")
    out = inject(
        llmbm_asan, vol, "stories260K.bin", "smol.gguf", stride=24, kinds=("alloc", "read"), max_tokens=4
    )
    alloc, read = out.bounds["alloc"], out.bounds["read"]
    assert alloc[3] > alloc[2] and read[3] > read[2] and alloc[5] > alloc[4], (alloc, read)
    assert not out.failures, "\n".join(out.failures)


def test_reads_of_a_gguf_failed_at_its_layout_boundaries(
    llmbm_asan: Path, testdata: Path, tmp_path: Path
) -> None:
    """LLMBM_FAIL_READ_AT: the header's fields, the first and last metadata entries, the first and
    last tensors' info and data, the last byte and a few random offsets of the /load's GGUF."""
    vol = volume(tmp_path, testdata, testdata / "stories260K-q8_0-mix.gguf", "second.gguf")
    every = read_offsets(vol / "second.gguf")
    assert len(every) > 100, every  # 24 metadata entries and 48 tensors have that many ends
    drawn = sorted(set(read_offsets(vol / "second.gguf", sample=4)) - set(every))
    offsets = sorted(set(every[:10] + every[-6:] + drawn))
    out = inject(
        llmbm_asan, vol, "stories260K.bin", "second.gguf", stride=1, kinds=("read_at",), offsets=offsets
    )
    assert out.runs == len(offsets)
    assert not out.failures, "\n".join(out.failures)
    # Byte 0's first read is the format probe, whose failure a whole-file read makes good; the
    # other reads are the load's, and each failure must be named.
    assert out.reported >= len(offsets) - 1, (out.reported, offsets)
