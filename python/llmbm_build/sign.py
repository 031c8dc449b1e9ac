"""Sign the EFI binary for Secure Boot (Authenticode, with Debian's sbsign) and check it.

    python3 -m llmbm_build.sign --key KEY.key --cert CERT.crt INPUT.efi OUTPUT.efi

sbsign puts the signing time into the signature's authenticated attributes, so two signings a
second apart differ. The step runs it under faketime with the clock frozen at
SOURCE_DATE_EPOCH (default 1980-01-01, as the image's FAT timestamps): an RSA PKCS#1 v1.5
signature is deterministic, so the same binary and key always give the same bytes. Afterwards
sbverify must accept the result with the certificate, or the step fails.
"""

from __future__ import annotations

import argparse
import datetime
import os
import subprocess
import sys
from pathlib import Path

from . import BuildError, require_tools, source_date_epoch

DEFAULT_EPOCH = 315532800  # 1980-01-01T00:00:00Z, the image's default date too
TOOLS = {"sbsign": "sbsigntool", "sbverify": "sbsigntool", "faketime": "faketime"}


def check_readable(path: Path, what: str) -> None:
    """A configure-time check: the file exists and can be read."""
    try:
        with path.open("rb") as handle:
            head = handle.read(64)
    except OSError as err:
        raise BuildError(f"{what} {path}: {err.strerror}") from err
    if not head:
        raise BuildError(f"{what} {path}: empty file")


def frozen_time() -> str:
    stamp = source_date_epoch()
    when = datetime.datetime.fromtimestamp(DEFAULT_EPOCH if stamp is None else stamp, datetime.UTC)
    return when.strftime("%Y-%m-%d %H:%M:%S")


def _run(args: list[str], env_tz: bool = False) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, TZ="UTC") if env_tz else None
    return subprocess.run(args, capture_output=True, text=True, env=env)


def sign(key: Path, cert: Path, source: Path, output: Path) -> None:
    require_tools(TOOLS)
    check_readable(key, "signing key")
    check_readable(cert, "signing certificate")
    tmp = output.with_name(output.name + ".tmp")
    tmp.unlink(missing_ok=True)
    result = _run(
        [
            "faketime",
            frozen_time(),
            "sbsign",
            "--key",
            str(key),
            "--cert",
            str(cert),
            "--output",
            str(tmp),
            str(source),
        ],
        env_tz=True,
    )
    if result.returncode != 0 or not tmp.is_file():
        tmp.unlink(missing_ok=True)
        raise BuildError(f"sbsign {source} with {key} failed: {(result.stderr or result.stdout).strip()}")
    check = _run(["sbverify", "--cert", str(cert), str(tmp)])
    if check.returncode != 0:
        tmp.unlink(missing_ok=True)
        raise BuildError(
            f"sbverify refused the signed {output.name}: {(check.stderr or check.stdout).strip()}"
        )
    tmp.replace(output)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python3 -m llmbm_build.sign", description=__doc__.split("\n")[0])
    parser.add_argument("--key", type=Path, required=True, help="PEM private key")
    parser.add_argument("--cert", type=Path, required=True, help="PEM certificate matching the key")
    parser.add_argument("--check-only", action="store_true", help="only check that key and cert are readable")
    parser.add_argument("input", type=Path, nargs="?")
    parser.add_argument("output", type=Path, nargs="?")
    args = parser.parse_args(argv)
    try:
        if args.check_only:
            require_tools(TOOLS)
            check_readable(args.key, "signing key (-Dsign_key)")
            check_readable(args.cert, "signing certificate (-Dsign_cert)")
            return 0
        if args.input is None or args.output is None:
            parser.error("INPUT and OUTPUT are required")
        sign(args.key, args.cert, args.input, args.output)
    except BuildError as err:
        print(f"sign: error: {err}", file=sys.stderr)
        return 1
    print(f"sign: {args.output} signed with {args.cert} (sbverify OK)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
