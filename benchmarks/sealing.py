"""Seal, open and blind-index person records; print microseconds a record for each.

    .venv/bin/python benchmarks/sealing.py --records 1000000

The records look like the store's persons (nine fields: a name, sex, birth year, age or None,
category, intent, vulnerabilities, stretcher, luggage; a third of the names in Arabic), with
record ids like the store's. Each step runs ``--repeat`` times and the best is kept. The
baseline, in the same process, is the floor for the same work: ``AESGCM.encrypt`` and
``decrypt`` of prepared bytes with prepared nonces and associated data, nothing else.
Target: 4.8 million seals (a 1,000,000-leaver registry) in about 10 s on 2 cores, so at most
2 µs a record.

Also prints the time of one archive key (the default Argon2id, aimed at about 0.3 s) and of one
password hash (the default of ``Passwords``).
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import random
import time
from collections.abc import Callable

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from corridor.security.archive import DEFAULT_ARCHIVE_KDF, _derive_key
from corridor.security.keys import new_keyring
from corridor.security.passwords import Passwords
from corridor.security.sealing import Sealer

LATIN = ("Amal Haddad", "Omar Nasser", "Lina Khoury", "Khaled Saleh", "Rana Darwish",
         "Yusuf Haidar", "Huda Aswad", "Samir Hamdan")
ARABIC = ("أحمد الحداد", "فاطمة ناصر", "محمد الخوري", "عائشة صالح")
VULNERABILITIES = ("", "", "", "elderly", "disability", "elderly;medical_emergency")


def person_rows(count: int, seed: int) -> tuple[list[str], list[tuple[str | None, ...]]]:
    """``count`` record ids and rows of nine fields, like the store's persons."""
    pick = random.Random(seed)
    ids = [f"op-al-waer/person/P{number:07d}" for number in range(count)]
    rows: list[tuple[str | None, ...]] = []
    for number in range(count):
        name = pick.choice(ARABIC) if number % 3 == 0 else pick.choice(LATIN)
        birth = pick.randint(1930, 2017)
        rows.append((name, pick.choice(("male", "female")), str(birth),
                     None if number % 4 == 0 else str(2017 - birth), "civilian", "leave",
                     pick.choice(VULNERABILITIES), "0", str(pick.randint(0, 3))))
    return ids, rows


def best(repeat: int, step: Callable[[], object]) -> float:
    """The shortest of ``repeat`` runs of ``step``, in seconds, without the cycle collector."""
    times = []
    for _ in range(repeat):
        gc.disable()
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
        gc.enable()
    return min(times)


def main() -> None:
    """Measure every step and the baseline; print µs a record."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=2017)
    arguments = parser.parse_args()
    count = arguments.records
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, "
          f"{platform.python_implementation()} {platform.python_version()}")

    ids, rows = person_rows(count, arguments.seed)
    names = [row[0] or "" for row in rows]
    sealer = Sealer(new_keyring(random.Random(arguments.seed).randbytes), os.urandom)
    blobs = sealer.seal_many(ids, rows)
    assert sealer.open_many(ids, blobs) == [tuple(row) for row in rows]

    def per_record(label: str, seconds: float) -> None:
        print(f"{label:<42} {seconds / count * 1e6:6.2f} µs/record   "
              f"({seconds:.2f} s for {count:,}; 4.8 million: {seconds / count * 4.8e6:.1f} s)")

    per_record("seal_many", best(arguments.repeat, lambda: sealer.seal_many(ids, rows)))
    per_record("open_many", best(arguments.repeat, lambda: sealer.open_many(ids, blobs)))
    per_record("open, one call a record", best(arguments.repeat, lambda: [
        sealer.open(record_id, blob) for record_id, blob in zip(ids, blobs, strict=True)]))
    per_record("blind_index of the name", best(arguments.repeat, lambda: [
        sealer.blind_index(name) for name in names]))

    cipher = AESGCM(os.urandom(32))
    nonces = [os.urandom(12) for _ in range(count)]
    plains = [("\x00".join(field or "" for field in row)).encode() for row in rows]
    extras = [record_id.encode() for record_id in ids]
    sealed = [cipher.encrypt(nonce, plain, extra)
              for nonce, plain, extra in zip(nonces, plains, extras, strict=True)]
    per_record("baseline: AESGCM.encrypt of prepared bytes", best(arguments.repeat, lambda: [
        cipher.encrypt(nonce, plain, extra)
        for nonce, plain, extra in zip(nonces, plains, extras, strict=True)]))
    per_record("baseline: AESGCM.decrypt of prepared bytes", best(arguments.repeat, lambda: [
        cipher.decrypt(nonce, blob, extra)
        for nonce, blob, extra in zip(nonces, sealed, extras, strict=True)]))

    salt = os.urandom(16)
    kdf_seconds = best(3, lambda: _derive_key("olive trees of al-Waer", salt,
                                              DEFAULT_ARCHIVE_KDF))
    print(f"archive key, Argon2id {DEFAULT_ARCHIVE_KDF}: {kdf_seconds:.2f} s")
    passwords = Passwords()
    print(f"password hash, Passwords(): "
          f"{best(3, lambda: passwords.hash('olive trees of al-Waer')):.3f} s")


if __name__ == "__main__":
    main()
