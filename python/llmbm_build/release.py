"""Package a disk image for release: xz-compressed image plus a SHA256SUMS file.

    python3 -m llmbm_build.release --image IMG --version V --output-dir DIR [--licence NAME=FILE ...]

Writes DIR/llm-baremetal-V-x86_64.img.xz and DIR/SHA256SUMS (covering the .img.xz and the
uncompressed image name, so users can check either after download or after unpacking). The xz
stream has no timestamps, so the same image always gives the same bytes. Each ``--licence``
copies the licence of something the firmware embeds (GNU Unifont) to DIR/NAME, listed in
SHA256SUMS too, so the release carries it.
"""

from __future__ import annotations

import argparse
import hashlib
import lzma
import re
import sys
from pathlib import Path

from . import BuildError

CHUNK = 1 << 20


def release_name(version: str) -> str:
    if not re.match(r"^[A-Za-z0-9.+~_-]+$", version):
        raise BuildError(f"version {version!r} is not usable in a file name")
    return f"llm-baremetal-{version}-x86_64.img"


def package(
    image: Path, version: str, output_dir: Path, licences: dict[str, Path] | None = None
) -> tuple[Path, Path]:
    if not image.is_file():
        raise BuildError(f"image {image} not found (ninja -C build image)")
    licence_sums = ""
    for name, source in (licences or {}).items():
        if not re.match(r"^[A-Za-z0-9.+_-]+$", name):
            raise BuildError(f"licence file name {name!r} is not a plain file name")
        if not source.is_file():
            raise BuildError(f"licence file {source} not found")
        data = source.read_bytes()
        (output_dir / name).write_bytes(data)
        licence_sums += f"{hashlib.sha256(data).hexdigest()}  {name}\n"
    name = release_name(version)
    xz_path = output_dir / (name + ".xz")
    sums_path = output_dir / "SHA256SUMS"
    raw_hash = hashlib.sha256()
    xz_hash = hashlib.sha256()
    tmp = xz_path.with_name(xz_path.name + ".tmp")
    # Preset 6 is xz's default: a good ratio without the -9 memory cost on small machines.
    compressor = lzma.LZMACompressor(format=lzma.FORMAT_XZ, check=lzma.CHECK_CRC64, preset=6)
    with image.open("rb") as src, tmp.open("wb") as dst:
        while chunk := src.read(CHUNK):
            raw_hash.update(chunk)
            packed = compressor.compress(chunk)
            xz_hash.update(packed)
            dst.write(packed)
        packed = compressor.flush()
        xz_hash.update(packed)
        dst.write(packed)
    tmp.replace(xz_path)
    sums = f"{xz_hash.hexdigest()}  {xz_path.name}\n{raw_hash.hexdigest()}  {name}\n"
    sums_path.write_text(sums + licence_sums)
    return xz_path, sums_path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python3 -m llmbm_build.release", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--image", type=Path, required=True)
    parser.add_argument("--version", required=True)
    parser.add_argument("--output-dir", type=Path, required=True)
    parser.add_argument(
        "--licence", action="append", default=[], metavar="NAME=FILE", help="ship FILE as DIR/NAME"
    )
    args = parser.parse_args(argv)
    try:
        licences: dict[str, Path] = {}
        for item in args.licence:
            name, sep, source = item.partition("=")
            if not sep or not name or not source:
                raise BuildError(f"--licence {item!r}: expected NAME=FILE")
            licences[name] = Path(source)
        xz_path, sums_path = package(args.image, args.version, args.output_dir, licences)
    except BuildError as err:
        print(f"release: error: {err}", file=sys.stderr)
        return 1
    print(f"release: wrote {xz_path} and {sums_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
