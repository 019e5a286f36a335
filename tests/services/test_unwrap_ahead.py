"""The key unwrapped as the user types (``services.opening.UnwrapAhead``): "Sign in" finds the Argon2id work
done, and nothing about who may sign in changes: only the exact name and password typed are ever used,
a wrong one is refused as before, and a key file written since is read again."""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from clinicrec.db import abortable, crypto, encryption
from clinicrec.db.abortable import AbortableKdf
from clinicrec.domain.errors import AuthenticationError
from clinicrec.services.opening import UnwrapAhead, unwrap_key
from clinicrec.services.unlock import sign_in_encrypted
from tests.conftest import PASSWORD, World, encrypted_with_patient


@pytest.fixture
def encrypted(world: World) -> Path:
    return encrypted_with_patient(world, "Ahead", "Oftime")


class Counted:
    """The real ``unwrap_key``, counted, and held at ``gate`` (when set) until the test lets it go."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str, str]] = []
        self.gate: threading.Event | None = None
        self.started = threading.Event()

    def __call__(self, file: Path, username: str, password: str):  # type: ignore[no-untyped-def]
        self.calls.append((threading.current_thread().name, username, password))
        self.started.set()
        if self.gate is not None:
            assert self.gate.wait(10)
        return unwrap_key(file, username, password)


def _settle(ahead: UnwrapAhead) -> None:
    """Until no unwrap is under way ahead."""
    for _ in range(1000):
        with ahead._cond:
            if ahead._thread is None:
                return
        threading.Event().wait(0.005)
    raise AssertionError("the unwrap ahead never ended")


def _type(ahead: UnwrapAhead, username: str, password: str) -> None:
    """A person typing: the name, then the password a key at a time, each key's unwrap let finish."""
    for i in range(1, len(password) + 1):
        ahead.typed(username, password[:i])
        _settle(ahead)


def test_sign_in_takes_the_key_unwrapped_as_the_password_was_typed(encrypted: Path) -> None:
    work = Counted()
    ahead = UnwrapAhead(encrypted, work)
    ahead.typed("nurse", "")  # a user name alone: nothing to unwrap
    _settle(ahead)
    assert work.calls == []
    _type(ahead, "nurse", PASSWORD)
    typed = len(work.calls)
    assert typed >= 1 and work.calls[-1] == ("clinicrec-unwrap-ahead", "nurse", PASSWORD)

    services = sign_in_encrypted(encrypted, "nurse", PASSWORD, unwrap=ahead.unwrap("nurse", PASSWORD))
    try:
        assert len(work.calls) == typed  # nothing unwrapped at "Sign in"
        assert ahead.used == 1
        assert services.actor is not None and services.actor.username == "nurse"
        assert [p.last_name for p in services.patients.search("Oftime")] == ["Oftime"]
    finally:
        services.db.dispose()
    # taken once: a second sign-in with the same text unwraps afresh (nothing is kept after a sign-in)
    ahead.unwrap("nurse", PASSWORD)
    assert len(work.calls) == typed + 1 and work.calls[-1][0] == "MainThread"


def test_only_the_exact_text_typed_is_used_and_a_wrong_password_is_refused_as_before(encrypted: Path) -> None:
    work = Counted()
    ahead = UnwrapAhead(encrypted, work)
    _type(ahead, "nurse", PASSWORD + "x")  # one key too many
    # what is kept (the refusal of PASSWORD + "x") is never handed to a sign-in with other text
    calls = len(work.calls)
    key, _proof = ahead.unwrap("nurse", PASSWORD)()
    assert len(work.calls) == calls + 1 and work.calls[-1] == ("MainThread", "nurse", PASSWORD)
    assert key == encryption.unlock_with_proof(encrypted, "nurse", PASSWORD)[0]

    _type(ahead, "nurse", PASSWORD + "x")
    begun = ahead.begun
    # the password without its last key was unwrapped on the way; it is not what is typed now
    with pytest.raises(crypto.WrongSecret):
        ahead.unwrap("nurse", PASSWORD + "x")()
    with pytest.raises(AuthenticationError) as refused_ahead:
        sign_in_encrypted(encrypted, "nurse", PASSWORD + "x", unwrap=ahead.unwrap("nurse", PASSWORD + "x"))
    with pytest.raises(AuthenticationError) as refused_plain:
        sign_in_encrypted(encrypted, "nurse", PASSWORD + "x")
    assert str(refused_ahead.value) == str(refused_plain.value)
    # an outcome for other text is never handed out: the right password is unwrapped at the sign-in
    calls = len(work.calls)
    key, _proof = ahead.unwrap("nurse", PASSWORD)()
    assert len(work.calls) == calls + 1 and work.calls[-1] == ("MainThread", "nurse", PASSWORD)
    assert key == encryption.unlock_with_proof(encrypted, "nurse", PASSWORD)[0]
    assert ahead.begun == begun

    # a user name edited after the password: the old pair's outcome is dropped at once
    ahead.typed("nurse", PASSWORD)
    _settle(ahead)
    ahead.typed("nurs", PASSWORD)
    calls = len(work.calls)
    _settle(ahead)
    with pytest.raises(crypto.WrongSecret):
        ahead.unwrap("nurs", PASSWORD)()
    assert len(work.calls) == calls + 1  # "nurs" unwrapped ahead once, and its refusal kept for the sign-in


def test_a_sign_in_while_the_unwrap_is_under_way_waits_for_it_instead_of_doing_it_twice(
    encrypted: Path,
) -> None:
    work = Counted()
    work.gate = threading.Event()
    ahead = UnwrapAhead(encrypted, work)
    ahead.typed("nurse", PASSWORD)  # pasted: the whole password at once, "Sign in" pressed at once
    assert work.started.wait(10)
    got: list[object] = []
    signing_in = threading.Thread(target=lambda: got.append(ahead.unwrap("nurse", PASSWORD)))
    signing_in.start()
    signing_in.join(0.2)
    assert signing_in.is_alive() and got == []  # waiting for the unwrap under way
    work.gate.set()
    signing_in.join(10)
    assert len(got) == 1 and len(work.calls) == 1 and ahead.used == 1
    assert got[0]()[0] == encryption.unlock_with_proof(encrypted, "nurse", PASSWORD)[0]  # type: ignore[operator]


def test_a_key_file_written_since_is_read_again_and_forget_drops_what_was_kept(encrypted: Path) -> None:
    work = Counted()
    ahead = UnwrapAhead(encrypted, work)
    _type(ahead, "nurse", PASSWORD)
    calls = len(work.calls)
    key_file = crypto.key_file_for(encrypted)
    st = key_file.stat()
    os.utime(key_file, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))  # rewritten elsewhere
    ahead.unwrap("nurse", PASSWORD)
    assert len(work.calls) == calls + 1 and work.calls[-1][0] == "MainThread"
    assert ahead.used == 0

    _type(ahead, "nurse", PASSWORD)
    calls = len(work.calls)
    ahead.forget()  # the dialog closed
    assert ahead._kept is None
    ahead.unwrap("nurse", PASSWORD)
    assert len(work.calls) == calls + 1 and ahead.used == 0


def test_a_sign_in_made_before_the_unwrap_thread_has_run_waits_for_it(encrypted: Path) -> None:
    """A robot (or a password manager) sets the text and presses Enter in one go: the sign-in asks for the
    key before the thread begun for it has been scheduled. It must wait for that thread, not do the same
    Argon2id work beside it on its own (twice the processor time, on a two-core machine the whole wait)."""
    work = Counted()
    unwraps = UnwrapAhead(encrypted, work)
    with unwraps._cond:  # the thread cannot run its first step until the sign-in waits (as if unscheduled)
        unwraps.typed("nurse", PASSWORD)
        outcome = unwraps.unwrap("nurse", PASSWORD)
    assert [name for name, _user, _password in work.calls] == ["clinicrec-unwrap-ahead"]
    assert unwraps.used == 1
    key, _proof = outcome()
    assert key == encryption.unlock(encrypted, "nurse", PASSWORD)


def test_no_thread_to_be_had_leaves_the_unwrap_to_the_sign_in(
    encrypted: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A process out of threads: the unwrap ahead cannot begin, and the sign-in, rather than wait for an
    unwrap that never runs (the dialog hung for good), does it itself."""
    work = Counted()
    unwraps = UnwrapAhead(encrypted, work)

    def no_thread(self: threading.Thread) -> None:
        raise RuntimeError("can't start new thread")

    monkeypatch.setattr(threading.Thread, "start", no_thread)
    unwraps.typed("nurse", PASSWORD)
    monkeypatch.undo()
    outcome: list[object] = []
    sign_in = lambda: outcome.append(unwraps.unwrap("nurse", PASSWORD)())  # noqa: E731
    signing_in = threading.Thread(target=sign_in, daemon=True)  # (a hang fails the test, not the run)
    signing_in.start()
    signing_in.join(30)
    assert not signing_in.is_alive() and len(outcome) == 1
    assert [name for name, _user, _password in work.calls] == [signing_in.name]


def test_an_unwrap_that_breaks_is_not_begun_again_for_the_same_text(encrypted: Path) -> None:
    """A key file that cannot be read breaks every unwrap at once. The thread ahead tried the same text again
    and again while it stayed typed: some 8,000 attempts a second, a whole core, for as long as the dialog
    showed it. It now gives that text up; the next edit tries once more, and the sign-in unwraps it
    itself and is refused with what is wrong."""
    crypto.key_file_for(encrypted).write_text("{ not a key file")
    ahead = UnwrapAhead(encrypted)
    ahead.typed("nurse", PASSWORD)
    _settle(ahead)  # the thread ended: it does not go on trying
    threading.Event().wait(0.2)
    assert ahead.begun == 1 and ahead._thread is None
    ahead.typed("nurse", PASSWORD + "x")  # an edit: one more try, for the new text
    _settle(ahead)
    assert ahead.begun == 2
    with pytest.raises(crypto.KeyFileError, match="cannot be read"):
        ahead.unwrap("nurse", PASSWORD + "x")


# -- an unwrap ahead whose text is no longer wanted is stopped (db/abortable.py; a forked child, Linux) -----
forks = pytest.mark.skipif(not abortable.FORKS, reason="an unwrap ahead is stopped only on Linux")


def _slow_while(slow: Path, text: str):  # type: ignore[no-untyped-def]
    """(Run in the unwrap's child.) Argon2id, for ``text`` only once ``slow`` is gone (a minute at most)."""

    def derive(secret: str, salt: bytes, t: int, m: int, p: int, length: int) -> bytes:
        waited = time.monotonic()
        while secret == text and slow.exists() and time.monotonic() - waited < 60:
            time.sleep(0.01)
        return crypto.argon2id_raw(secret, salt, t, m, p, length)

    return derive


def _child_under_way(ahead: UnwrapAhead, text: str) -> AbortableKdf:
    """The unwrap ahead of ``text``'s computation, once its child has been forked."""
    for _ in range(4000):
        with ahead._cond:
            kdf, running = ahead._kdf, ahead._running
        if kdf is not None and running is not None and running[1] == text and kdf._pid is not None:
            return kdf
        time.sleep(0.005)
    raise AssertionError(f"no child under way for {text!r}")


def _killed(kdf: AbortableKdf) -> bool:
    [(_pid, status)] = kdf.ended
    return os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL


@pytest.fixture
def slow(tmp_path: Path, encrypted: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A file whose existence holds the test's slow computations back (removed at the end: none lingers)."""
    crypto.argon2id_raw("warm", b"0123456789abcdef", 1, 8, 1, 32)  # as once the first unwrap has run here
    monkeypatch.setattr(crypto, "_kdf_seconds", 1.0)  # children time out after 20 s, not 2: a loaded machine
    marker = tmp_path / "slow"
    marker.touch()
    yield marker
    marker.unlink(missing_ok=True)


@forks
def test_the_last_key_stops_the_unwrap_of_the_text_before_it(encrypted: Path, slow: Path) -> None:
    """Where Argon2id takes longer than the time between two keys, the unwrap for the text before the last
    key was still running at the last key, and the one for the whole password began only after it: most of
    an unwrap was left for after Enter. The last key now stops it, and the whole password's begins."""
    ahead = UnwrapAhead(encrypted, derive=_slow_while(slow, PASSWORD[:-1]))
    ahead.typed("nurse", PASSWORD[:-1])
    before = _child_under_way(ahead, PASSWORD[:-1])
    typed = time.monotonic()
    ahead.typed("nurse", PASSWORD)  # the last key
    _settle(ahead)
    assert time.monotonic() - typed < 30  # not the minute the text before it would have taken
    assert _killed(before)
    outcome = ahead.unwrap("nurse", PASSWORD)  # Enter finds it done
    assert ahead.used == 1
    assert outcome()[0] == encryption.unlock(encrypted, "nurse", PASSWORD)


@forks
def test_a_closed_dialog_stops_the_unwrap_under_way(encrypted: Path, slow: Path) -> None:
    ahead = UnwrapAhead(encrypted, derive=_slow_while(slow, PASSWORD))
    ahead.typed("nurse", PASSWORD)
    under_way = _child_under_way(ahead, PASSWORD)
    ahead.forget()
    _settle(ahead)
    assert _killed(under_way) and ahead._kept is None


@forks
def test_a_sign_in_of_other_text_stops_the_unwrap_under_way_and_unwraps_its_own(
    encrypted: Path, slow: Path
) -> None:
    """An edit and Enter at once (a password manager filling in over what was typed): the unwrap ahead of
    the old text no longer takes the processor from the sign-in's own."""
    ahead = UnwrapAhead(encrypted, derive=_slow_while(slow, "typed before"))
    ahead.typed("nurse", "typed before")
    under_way = _child_under_way(ahead, "typed before")
    asked = time.monotonic()
    outcome = ahead.unwrap("nurse", PASSWORD)
    assert time.monotonic() - asked < 30 and ahead.used == 0
    assert outcome()[0] == encryption.unlock(encrypted, "nurse", PASSWORD)
    _settle(ahead)
    assert _killed(under_way)


@forks
def test_the_unwrap_of_the_text_signed_in_is_waited_for_not_stopped(encrypted: Path, slow: Path) -> None:
    ahead = UnwrapAhead(encrypted, derive=_slow_while(slow, PASSWORD))
    ahead.typed("nurse", PASSWORD)
    under_way = _child_under_way(ahead, PASSWORD)
    ahead.typed("nurse", PASSWORD)  # told again, unchanged ("nurse " typed: the dialog strips the name)
    got: list[object] = []
    signing_in = threading.Thread(target=lambda: got.append(ahead.unwrap("nurse", PASSWORD)))
    signing_in.start()
    signing_in.join(0.3)
    assert signing_in.is_alive() and got == [] and under_way.ended == []  # waiting for it, not stopping it
    slow.unlink()  # the computation goes on to its end
    signing_in.join(30)
    assert len(got) == 1 and ahead.used == 1
    assert got[0]()[0] == encryption.unlock(encrypted, "nurse", PASSWORD)  # type: ignore[operator]
    [(_pid, status)] = under_way.ended
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0


@forks
def test_a_text_typed_back_as_it_was_is_unwrapped_again(encrypted: Path, slow: Path) -> None:
    """A key typed and at once deleted: the unwrap of the text before it was stopped by the key, and is
    begun again for it (stopped is not broken: it is not given up)."""
    ahead = UnwrapAhead(encrypted, derive=_slow_while(slow, PASSWORD))
    ahead.typed("nurse", PASSWORD)
    first = _child_under_way(ahead, PASSWORD)
    slow.unlink()  # from now on the computation takes its usual time
    with ahead._cond:  # the key and its deletion, before the thread has seen either
        ahead.typed("nurse", PASSWORD + "x")
        ahead.typed("nurse", PASSWORD)
    _settle(ahead)
    assert _killed(first)
    outcome = ahead.unwrap("nurse", PASSWORD)
    assert ahead.used == 1 and outcome()[0] == encryption.unlock(encrypted, "nurse", PASSWORD)
