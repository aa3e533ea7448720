"""Accounts: hashed secrets, roles, tokens, signed sessions, the failed-login limiter, the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.cli import app
from assistant.core.errors import ConfigError
from assistant.web.users import AuthError, FailureLimiter, UserStore, role_allows


def test_passwords_and_tokens_are_stored_only_as_salted_scrypt_hashes(tmp_path: Path):
    store = UserStore(tmp_path / "users.json")
    store.add("alice", "admin", "correct horse")
    store.add("bob", "reader", "correct horse")
    token = store.new_token("bob")
    raw = (tmp_path / "users.json").read_text()
    assert "correct horse" not in raw and token not in raw and token.split(".", 1)[1] not in raw
    hashes = [u["password_hash"] for u in json.loads(raw)["users"]]
    assert all(h.startswith("scrypt$") for h in hashes) and hashes[0] != hashes[1]  # salted
    assert store.check_password("alice", "correct horse").role == "admin"
    assert store.check_password("alice", "wrong horse!") is None
    assert store.check_password("nobody", "correct horse") is None
    assert store.check_token(token).name == "bob"
    assert store.check_token(token).name == "bob"  # the remembered verification
    assert store.check_token(token[:-1] + ("A" if token[-1] != "A" else "B")) is None
    assert store.check_token("alice." + token.split(".", 1)[1]) is None


def test_a_removed_user_loses_tokens_and_sessions(tmp_path: Path):
    store = UserStore(tmp_path / "users.json")
    user = store.add("bob", "trainer", "password1")
    token = store.new_token("bob")
    cookie = store.session_cookie(user)
    assert store.check_session(cookie).name == "bob"
    assert store.check_session(cookie.replace("trainer", "admin").replace("bob|", "bob|1")) is None
    store.remove("bob")
    assert store.check_token(token) is None and store.check_session(cookie) is None
    assert not store.has_users()


def test_sessions_expire(tmp_path: Path):
    store = UserStore(tmp_path / "users.json")
    user = store.add("bob", "reader", "password1")
    cookie = store.session_cookie(user, now=1000.0)
    assert store.check_session(cookie, now=2000.0) is not None
    assert store.check_session(cookie, now=1000.0 + 13 * 3600) is None


@pytest.mark.parametrize(
    ("name", "role", "password", "message"),
    [
        ("Bob Smith", "reader", "password1", "invalid user name"),
        ("bob", "boss", "password1", "valid values: reader, trainer, admin"),
        ("bob", "reader", "short", "at least 8 characters"),
    ],
)
def test_bad_accounts_are_refused_and_nothing_is_written(tmp_path: Path, name, role, password, message):
    store = UserStore(tmp_path / "users.json")
    with pytest.raises((AuthError, ConfigError), match=message):
        store.add(name, role, password)
    assert not (tmp_path / "users.json").exists()


def test_a_corrupt_users_file_is_an_error_not_an_open_door(tmp_path: Path):
    path = tmp_path / "users.json"
    path.write_text("{not json")
    with pytest.raises(AuthError, match="not valid JSON"):
        UserStore(path).has_users()


def test_roles_are_nested():
    assert role_allows("admin", "trainer") and role_allows("trainer", "reader")
    assert not role_allows("reader", "trainer") and not role_allows("trainer", "admin")


def test_the_eleventh_failure_within_the_window_is_refused():
    now = [0.0]
    limiter = FailureLimiter(limit=10, window_s=60, clock=lambda: now[0])
    for _ in range(10):
        assert not limiter.blocked("1.2.3.4")
        limiter.fail("1.2.3.4")
    assert limiter.blocked("1.2.3.4") and not limiter.blocked("5.6.7.8")
    now[0] = 61.0
    assert not limiter.blocked("1.2.3.4")


def test_users_commands(tmp_path: Path):
    env = {"ASSISTANT_USERS_PATH": str(tmp_path / "users.json")}
    run = lambda *args, **kw: CliRunner().invoke(app, list(args), env=env, **kw)  # noqa: E731
    assert "no users" in run("users", "list").output
    assert run("users", "add", "ann", "--role", "trainer", "--password", "password1").exit_code == 0
    result = run("users", "add", "bob", "--role", "reader", input="password2\npassword2\n")
    assert result.exit_code == 0, result.output
    token = run("users", "token", "bob").output.strip()
    assert UserStore(tmp_path / "users.json").check_token(token).name == "bob"
    listed = json.loads(run("users", "list", "--json").output)
    assert [(u["name"], u["role"], u["tokens"]) for u in listed] == [("ann", "trainer", 0), ("bob", "reader", 1)]
    assert run("users", "remove", "ann").exit_code == 0
    assert [u["name"] for u in json.loads(run("users", "list", "--json").output)] == ["bob"]
