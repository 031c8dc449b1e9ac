"""OVMF variable stores for Secure Boot tests and runs, made with virt-fw-vars (virt-firmware).

    python3 -m llmbm_build.secureboot_vars --output VARS.fd --db CERT [--pk CERT] [--kek CERT]
                                           [--template OVMF_VARS_4M.fd] [--mok CERT]
    python3 -m llmbm_build.secureboot_vars --output VARS.fd --for-cert CERT [--shim]

``--db`` (and PK/KEK, which default to the db certificate) enrolls our keys into an empty store
and turns Secure Boot on: the firmware then runs binaries signed by the db key only. ``--mok``
instead adds a certificate to shim's MokList in a store that already has keys (Debian's
``OVMF_VARS_4M.ms.fd``, Microsoft's keys, like a stock PC): what MokManager's enrollment leaves
behind, so the shim route can be tested without its interactive screens.

Explicit --set-pk/--add-kek/--add-db are used on purpose: virt-fw-vars' --enroll-cert shortcut
with --no-microsoft leaves db empty, and then even a correctly signed binary is refused.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path

from . import BuildError

OWNER_GUID = "6c6c6d62-6261-7265-6d65-74616c000001"  # "llmbmbaremetal" + 1: marks our entries
DEFAULT_TEMPLATE = Path("/usr/share/OVMF/OVMF_VARS_4M.fd")
MS_TEMPLATE = Path("/usr/share/OVMF/OVMF_VARS_4M.ms.fd")
SECBOOT_CODE = Path("/usr/share/OVMF/OVMF_CODE_4M.secboot.fd")


def _virt_fw_vars() -> str:
    tool = shutil.which("virt-fw-vars")
    if tool is None:
        candidate = Path(sys.executable).parent / "virt-fw-vars"
        if candidate.is_file():
            return str(candidate)
        raise BuildError("virt-fw-vars not found: pip install virt-firmware (scripts/install-deps does)")
    return tool


def make_vars(
    output: Path,
    template: Path,
    db: Path | None = None,
    pk: Path | None = None,
    kek: Path | None = None,
    mok: Path | None = None,
) -> None:
    if not template.is_file():
        raise BuildError(f"variable store template {template} not found (apt-get install ovmf)")
    args = [_virt_fw_vars(), "--input", str(template), "--output", str(output)]
    if db is not None:
        args += ["--set-pk", OWNER_GUID, str(pk or db), "--add-kek", OWNER_GUID, str(kek or db)]
        args += ["--add-db", OWNER_GUID, str(db), "--secure-boot"]
    if mok is not None:
        args += ["--add-mok", OWNER_GUID, str(mok)]
    if db is None and mok is None:
        raise BuildError("nothing to enroll: give --db and/or --mok")
    result = subprocess.run(args, capture_output=True, text=True)
    if result.returncode != 0 or not output.is_file():
        raise BuildError(f"virt-fw-vars failed: {(result.stderr or result.stdout).strip()[-2000:]}")


def vars_for_cert(output: Path, cert: Path, shim: bool) -> None:
    """The store `ninja run-secure-boot` boots with: for a shim image, Microsoft's keys plus `cert`
    in the MOK list (a stock PC after MokManager); else our keys only, PK and KEK from beside
    `cert` when llmbm_build.keys made it (its PK.crt and KEK.crt), else `cert` for all three."""
    from .qemu import find_ovmf_secboot

    template = find_ovmf_secboot().vars
    if shim:
        make_vars(output, template.with_name(template.name.replace(".fd", ".ms.fd")), mok=cert)
        return
    pk, kek = cert.with_name("PK.crt"), cert.with_name("KEK.crt")
    if cert.name == "db.crt" and pk.is_file() and kek.is_file():
        make_vars(output, template, db=cert, pk=pk, kek=kek)
    else:
        make_vars(output, template, db=cert)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python3 -m llmbm_build.secureboot_vars", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--output", type=Path, required=True)
    parser.add_argument(
        "--template", type=Path, help="store to start from (default: the empty OVMF_VARS_4M.fd)"
    )
    parser.add_argument("--db", type=Path, help="certificate to enroll in db (and PK/KEK unless given)")
    parser.add_argument("--pk", type=Path)
    parser.add_argument("--kek", type=Path)
    parser.add_argument("--mok", type=Path, help="certificate to add to shim's MokList")
    parser.add_argument("--for-cert", type=Path, help="the store for an image signed with this certificate")
    parser.add_argument("--shim", action="store_true", help="with --for-cert: the image boots through shim")
    args = parser.parse_args(argv)
    if args.for_cert:
        try:
            vars_for_cert(args.output, args.for_cert, args.shim)
        except BuildError as err:
            print(f"secureboot_vars: error: {err}", file=sys.stderr)
            return 1
        return 0
    template = args.template or (MS_TEMPLATE if args.mok and not args.db else DEFAULT_TEMPLATE)
    try:
        make_vars(args.output, template, args.db, args.pk, args.kek, args.mok)
    except BuildError as err:
        print(f"secureboot_vars: error: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
