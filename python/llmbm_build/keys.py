"""Make your own Secure Boot keys: PK, KEK and db key pairs, and the files firmware accepts.

    python3 -m llmbm_build.keys --output-dir DIR [--name "My llm-baremetal"] [--force]

For each of PK, KEK and db, DIR gets:

* ``NAME.key`` — the private key (PEM, mode 0600). Never put on an image.
* ``NAME.crt`` — the self-signed certificate (PEM), what ``-Dsign_cert`` takes (db's).
* ``NAME.cer`` — the same certificate in DER, what firmware setup screens ("Enroll from file")
  and shim's MokManager read.
* ``NAME.esl`` — an EFI_SIGNATURE_LIST holding the certificate (KeyTool, efi-updatevar).
* ``NAME.auth`` — the list signed for an authenticated variable write: PK by PK itself (valid in
  setup mode), KEK by PK, db by KEK, as KeyTool and ``efi-updatevar -f`` expect.

The keys are made by openssl (RSA 2048, SHA-256, 10 years); the ESL and .auth files by
efitools' cert-to-efi-sig-list and sign-efi-sig-list. One owner GUID (``owner.guid``) marks
every entry as ours.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import uuid
from pathlib import Path

from . import BuildError, require_tools

KEY_NAMES = ("PK", "KEK", "db")
# Which key signs each variable's .auth (the UEFI key hierarchy).
SIGNED_BY = {"PK": "PK", "KEK": "PK", "db": "KEK"}
TOOLS = {"openssl": "openssl", "cert-to-efi-sig-list": "efitools", "sign-efi-sig-list": "efitools"}
PUBLIC_SUFFIXES = (".crt", ".cer", ".esl", ".auth")
DAYS = 3650


def _run(args: list[str]) -> None:
    result = subprocess.run(args, capture_output=True, text=True)
    if result.returncode != 0:
        raise BuildError(f"{' '.join(args)} failed: {(result.stderr or result.stdout).strip()}")


def make_keys(output_dir: Path, name: str, force: bool = False, log=print) -> Path:
    """Writes the files into output_dir and returns the db certificate (for -Dsign_cert)."""
    require_tools(TOOLS)
    output_dir.mkdir(parents=True, exist_ok=True)
    existing = [p for n in KEY_NAMES if (p := output_dir / f"{n}.key").exists()]
    if existing and not force:
        raise BuildError(
            f"{existing[0]} exists: keys are made once (enrolled keys must not change under you); "
            "pass --force to make new ones"
        )
    owner = str(uuid.uuid4())
    (output_dir / "owner.guid").write_text(owner + "\n")
    for key_name in KEY_NAMES:
        key, crt = output_dir / f"{key_name}.key", output_dir / f"{key_name}.crt"
        old_umask = os.umask(0o077)  # the private key is readable by its owner only
        try:
            _run([
                "openssl", "req", "-new", "-x509", "-newkey", "rsa:2048", "-nodes", "-sha256",
                "-days", str(DAYS), "-subj", f"/CN={name} {key_name}/", "-keyout", str(key), "-out", str(crt),
            ])  # fmt: skip
        finally:
            os.umask(old_umask)
        _run(
            [
                "openssl",
                "x509",
                "-in",
                str(crt),
                "-outform",
                "DER",
                "-out",
                str(output_dir / f"{key_name}.cer"),
            ]
        )
        _run(["cert-to-efi-sig-list", "-g", owner, str(crt), str(output_dir / f"{key_name}.esl")])
    for key_name in KEY_NAMES:
        signer = SIGNED_BY[key_name]
        _run([
            "sign-efi-sig-list", "-g", owner, "-k", str(output_dir / f"{signer}.key"),
            "-c", str(output_dir / f"{signer}.crt"), key_name,
            str(output_dir / f"{key_name}.esl"), str(output_dir / f"{key_name}.auth"),
        ])  # fmt: skip
    for key_name in KEY_NAMES:
        for suffix in PUBLIC_SUFFIXES:
            (output_dir / f"{key_name}{suffix}").chmod(0o644)
    log(f"keys: wrote PK, KEK and db to {output_dir} (owner GUID {owner})")
    return output_dir / "db.crt"


def public_key_files(cert: Path) -> list[Path]:
    """What goes on an image beside a signed binary: the signing certificate, and the public
    files of the set `make_keys` wrote if `cert` is one of them. Never a private key."""
    files = [cert]
    for key_name in KEY_NAMES:
        for suffix in PUBLIC_SUFFIXES:
            candidate = cert.parent / f"{key_name}{suffix}"
            if candidate.is_file() and candidate not in files:
                files.append(candidate)
    for path in files:
        if b"PRIVATE KEY" in path.read_bytes():
            raise BuildError(f"{path} holds a private key: it must never go on an image")
    return files


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python3 -m llmbm_build.keys", description=__doc__.split("\n")[0])
    parser.add_argument("--output-dir", type=Path, required=True)
    parser.add_argument("--name", default="llm-baremetal", help="common name prefix of the certificates")
    parser.add_argument("--force", action="store_true", help="replace keys that exist")
    args = parser.parse_args(argv)
    try:
        cert = make_keys(args.output_dir, args.name, args.force)
    except BuildError as err:
        print(f"keys: error: {err}", file=sys.stderr)
        return 1
    print("keys: sign builds with them:")
    print(f"  meson setup build -Dsign_key={cert.with_suffix('.key')} -Dsign_cert={cert}")
    print("keys: enroll PK.auth, KEK.auth, db.auth (or the .cer files) in the firmware's setup; see README")
    return 0


if __name__ == "__main__":
    sys.exit(main())
