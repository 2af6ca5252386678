"""Version folders in a serving destination: claimed atomically, written aside, renamed whole, checked.

A model server (TF Serving, or anything polling the folder) serves the highest
numbered folder under the destination. A push therefore must
- take a version no other push takes, even two pushes in the same second on
  one machine or on a shared folder: `mkdir` of a hidden `.<version>.push`
  folder is the claim (atomic on POSIX filesystems and NFS); a taken version,
  claimed or already there, moves the push on to the next number;
- never show a half-written model: the model is copied inside the claim and
  renamed into `<version>` in one `rename(2)`;
- say it pushed only when the version folder holds its own model (the
  SavedModel fingerprint, or every file's content, equals the source's);
- clean up after pushes that died (kill -9, power loss) but never under a push
  that is still copying: a claim records its owner (host, pid, process start),
  and is swept only when that process is gone (same host) or the claim is older
  than `FOREIGN_CLAIM_TIMEOUT` (another host, whose processes cannot be seen).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import socket
import time
from collections.abc import Callable

CLAIM_SUFFIX = ".push"
OWNER_FILE = "owner.json"
MODEL_FOLDER = "model"
FINGERPRINT = "fingerprint.pb"
FOREIGN_CLAIM_TIMEOUT = 24 * 3600.0  # seconds: a claim by another host older than this is a dead push
UNSIGNED_CLAIM_TIMEOUT = 3600.0  # seconds: a claim whose owner file was never written (died in between)


class PushNotInPlace(RuntimeError):
    """The version folder does not hold the model this push copied."""


def push_version(source: str, destination: str, clock: Callable[[], float] = time.time,
                 copy: Callable[[str, str], object] | None = None) -> str:
    """Copy model folder `source` into a new version folder under `destination`; return the version.

    `clock` gives the first version tried (the current second, as TFX's Pusher
    names versions); `copy` copies a folder (shutil.copytree). Both are parameters so that tests
    can force several pushes into the same second and hold one mid-copy.
    """
    os.makedirs(destination, exist_ok=True)
    sweep_dead_claims(destination)
    version = int(clock())
    while True:
        claim = _claim(destination, version)
        if claim is not None:
            break
        version += 1
    try:
        staged, final = os.path.join(claim, MODEL_FOLDER), os.path.join(destination, str(version))
        (copy or shutil.copytree)(source, staged)
        expected = model_digest(source)
        if model_digest(staged) != expected:
            raise PushNotInPlace(f"the copy of {source} for version {version} differs from it; nothing was pushed")
        os.rename(staged, final)  # the claim makes `final` ours: no other push renames into it
        if model_digest(final) != expected:
            raise PushNotInPlace(f"{final} does not hold the model copied from {source}")
    finally:
        shutil.rmtree(claim, ignore_errors=True)
    return str(version)


def _claim(destination: str, version: int) -> str | None:
    """The claim folder of `version`, made now; None when the version is taken (claimed or pushed)."""
    claim = os.path.join(destination, f".{version}{CLAIM_SUFFIX}")
    try:
        os.mkdir(claim)
    except FileExistsError:
        return None
    if os.path.exists(os.path.join(destination, str(version))):
        os.rmdir(claim)
        return None
    owner = {"host": socket.gethostname(), "pid": os.getpid(), "started": _process_start(os.getpid())}
    partial = os.path.join(claim, f".{OWNER_FILE}.tmp")
    with open(partial, "w", encoding="utf-8") as fh:
        json.dump(owner, fh)
    os.rename(partial, os.path.join(claim, OWNER_FILE))
    return claim


def sweep_dead_claims(destination: str, now: float | None = None) -> list[str]:
    """Remove the claims (and half-copied models) of pushes whose process is gone; return their names."""
    now = time.time() if now is None else now
    swept = []
    for name in sorted(os.listdir(destination)):
        path = os.path.join(destination, name)
        if name.startswith(".") and name.endswith(CLAIM_SUFFIX) and _is_dead(path, now):
            shutil.rmtree(path, ignore_errors=True)
            swept.append(name)
    return swept


def _is_dead(claim: str, now: float) -> bool:
    try:
        age = now - os.stat(claim).st_mtime
        with open(os.path.join(claim, OWNER_FILE), encoding="utf-8") as fh:
            owner = json.load(fh)
    except FileNotFoundError:  # swept by another push, or claimed and not yet signed (dead if it stays so)
        return os.path.isdir(claim) and age > UNSIGNED_CLAIM_TIMEOUT
    except (OSError, ValueError):
        return age > UNSIGNED_CLAIM_TIMEOUT
    if owner.get("host") != socket.gethostname():
        return age > FOREIGN_CLAIM_TIMEOUT
    started = _process_start(int(owner["pid"]))
    return started is None or started != owner.get("started")


def _process_start(pid: int) -> int | None:
    """The process's start time in clock ticks since boot (tells a reused pid apart), None when it is gone."""
    try:
        with open(f"/proc/{pid}/stat", encoding="utf-8") as fh:
            return int(fh.read().rsplit(")", 1)[1].split()[19])
    except FileNotFoundError:
        return None
    except OSError:  # no /proc (macOS): fall back on whether the pid exists
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return None
        except PermissionError:
            pass
        return 0


def model_digest(folder: str) -> str:
    """What identifies a SavedModel: its fingerprint file when it has one (TF >= 2.15), else every file's bytes."""
    fingerprint = os.path.join(folder, FINGERPRINT)
    if os.path.isfile(fingerprint):
        with open(fingerprint, "rb") as fh:
            return hashlib.sha256(fh.read()).hexdigest()
    digest = hashlib.sha256()
    for root, dirs, files in os.walk(folder):
        dirs.sort()
        for name in sorted(files):
            path = os.path.join(root, name)
            digest.update(os.path.relpath(path, folder).encode() + b"\0")
            with open(path, "rb") as fh:
                for block in iter(lambda: fh.read(1 << 20), b""):
                    digest.update(block)
    return digest.hexdigest()
