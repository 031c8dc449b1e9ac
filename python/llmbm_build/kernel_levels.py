"""The ISA levels of kernels/x86_64/manifest.toml as meson reads them.

Prints one line per level, least capable first::

    NAME|CFLAGS|SOURCES

CFLAGS and SOURCES separated by spaces (the manifest reader allows neither
spaces nor ``|`` in them). The first level is the base level: no flags of its
own, its files compiled with each consumer's flags; every other level becomes a
static library with its flags (kernels/x86_64/meson.build runs this at
configure time and reconfigures when the manifest changes).

Usage::

    python3 -m llmbm_build.kernel_levels MANIFEST
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from llmbm_build import BuildError
from llmbm_build.dispatch import Manifest, load_manifest


def meson_lines(manifest: Manifest) -> list[str]:
    return [f"{level.name}|{' '.join(level.cflags)}|{' '.join(level.sources)}" for level in manifest.levels]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="llmbm_build.kernel_levels", description=__doc__.splitlines()[0])
    parser.add_argument("manifest", type=Path)
    args = parser.parse_args(argv)
    try:
        manifest = load_manifest(args.manifest)
        missing = sorted(
            {
                s
                for level in manifest.levels
                for s in level.sources
                if not (args.manifest.parent / s).is_file()
            }
        )
        if missing:
            raise BuildError(f"{args.manifest}: kernels name sources that do not exist: {', '.join(missing)}")
    except BuildError as err:
        print(f"kernel_levels: {err}", file=sys.stderr)
        return 1
    print("\n".join(meson_lines(manifest)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
