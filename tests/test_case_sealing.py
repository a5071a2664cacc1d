"""Case details at rest: unreadable without the master key, bound to their case, rotatable."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from bot.cases.keys import ENV_VAR, FILE_VAR, CaseKeyError, MasterKey, key_file, load_master_key, write_key_file
from bot.cases.sealing import SealError, rewrap, seal, unseal

DETAILS = "Cllr Example shouted at me in the office on 3 March and said I would lose my job."


def test_sealed_details_contain_no_plaintext_and_open_with_the_key() -> None:
    key = MasterKey.generate()
    sealed = seal(key, "WEN-2026-0001", DETAILS)
    for blob in (sealed.ciphertext, sealed.wrapped_key):
        assert b"shouted" not in blob and b"Example" not in blob
    assert unseal(key, "WEN-2026-0001", sealed) == DETAILS


def test_wrong_key_or_moved_record_fails_without_revealing_content() -> None:
    key = MasterKey.generate()
    sealed = seal(key, "WEN-2026-0001", DETAILS)
    with pytest.raises(SealError) as wrong_key:
        unseal(MasterKey.generate(), "WEN-2026-0001", sealed)
    with pytest.raises(SealError) as moved:
        unseal(key, "WEN-2026-0002", sealed)  # ciphertext copied onto another case's row
    for error in (wrong_key, moved):
        assert "shouted" not in str(error.value)


def test_rotation_rewraps_the_data_key_and_keeps_the_details() -> None:
    old, new = MasterKey.generate(), MasterKey.generate()
    sealed = seal(old, "LED-2026-0007", DETAILS)
    rotated = rewrap(old, new, "LED-2026-0007", sealed)
    assert rotated.key_id == new.key_id and rotated.ciphertext == sealed.ciphertext
    assert unseal(new, "LED-2026-0007", rotated) == DETAILS
    with pytest.raises(SealError):
        unseal(old, "LED-2026-0007", rotated)


def test_a_missing_key_is_an_error_and_never_made_on_the_side(tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """Finding 3: reading the key used to create a new one when the file was gone, splitting the store."""
    monkeypatch.delenv(ENV_VAR, raising=False)
    monkeypatch.delenv(FILE_VAR, raising=False)
    with pytest.raises(CaseKeyError, match="keys init") as missing:
        load_master_key(tmp_path)
    assert str(key_file(tmp_path)) in str(missing.value)
    assert not key_file(tmp_path).exists()
    first = write_key_file(key_file(tmp_path), MasterKey.generate())
    assert stat.S_IMODE(os.stat(key_file(tmp_path)).st_mode) == 0o600
    assert load_master_key(tmp_path) == first
    assert first.encoded() not in repr(first)


def test_the_key_file_can_live_outside_the_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV_VAR, raising=False)
    outside = tmp_path / "secrets" / "case.key"
    monkeypatch.setenv(FILE_VAR, str(outside))
    home = tmp_path / "home"
    assert key_file(home) == outside
    key = write_key_file(outside, MasterKey.generate())
    assert load_master_key(home) == key and not (home / "keys").exists()


def test_environment_key_wins_and_a_bad_one_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    key = MasterKey.generate()
    monkeypatch.delenv(FILE_VAR, raising=False)
    monkeypatch.setenv(ENV_VAR, key.encoded())
    assert load_master_key(tmp_path) == key and not key_file(tmp_path).exists()
    monkeypatch.setenv(ENV_VAR, "not-a-key")
    with pytest.raises(CaseKeyError, match=ENV_VAR):
        load_master_key(tmp_path)


def test_a_key_file_others_can_read_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV_VAR, raising=False)
    monkeypatch.delenv(FILE_VAR, raising=False)
    write_key_file(key_file(tmp_path), MasterKey.generate())
    key_file(tmp_path).chmod(0o644)
    with pytest.raises(CaseKeyError, match="chmod 600"):
        load_master_key(tmp_path)
