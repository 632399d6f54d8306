"""Remembered state is kept apart per profile and per server, and the demo has its own."""

from ccall_tui.state import namespace_dir


def test_same_server_written_differently_is_one_namespace(tmp_path):
    a = namespace_dir(tmp_path, "default", "https://API.ccall.vn/")
    b = namespace_dir(tmp_path, "default", "https://user:pw@api.ccall.vn")
    assert a == b
    assert "pw" not in str(a)


def test_other_server_domain_profile_or_demo_never_share(tmp_path):
    base = namespace_dir(tmp_path, "default", "https://api.ccall.vn")
    others = {
        namespace_dir(tmp_path, "default", "https://other.example"),
        namespace_dir(tmp_path, "default", "https://api.ccall.vn", "tenant.example"),
        namespace_dir(tmp_path, "office", "https://api.ccall.vn"),
        namespace_dir(tmp_path, "default", "http://127.0.0.1:8080", demo=True),
    }
    assert base not in others and len(others) == 4
    assert namespace_dir(tmp_path, "x", "http://127.0.0.1:1", demo=True) == namespace_dir(
        tmp_path, "y", "http://127.0.0.1:2", demo=True
    )


def _remember(profile, clock, extensions, *, demo=False):
    from ccall_tui.monitor.roster import seen_store_for

    seen_store_for(profile, demo=demo).save(dict.fromkeys(extensions, clock()), clock())


def test_state_show_and_clear_one_profile_on_one_server(isolated, clock, monkeypatch, capsys):
    from dataclasses import replace

    from ccall_tui.cli import main
    from ccall_tui.config import Profile

    monkeypatch.setenv("CCALL_BASE_URL", "https://pbx.example")
    profile = replace(Profile.default("default"), base_url="https://pbx.example")
    _remember(profile, clock, ["100", "101"])
    _remember(profile, clock, [str(n) for n in range(120, 160)], demo=True)
    (isolated / "state" / "seen-default.json").write_text('["120"]')  # from before per-server state
    assert main(["state", "show"]) == 0
    out = capsys.readouterr().out
    assert "Remembered: 2 extensions seen online" in out and "pbx.example" in out
    assert "seen.json" in out and "extensions seen online" in out
    assert "Old file no longer read" in out
    assert main(["state", "show", "--demo"]) == 0
    assert "Remembered: 40 extensions" in capsys.readouterr().out

    assert main(["state", "clear"]) == 0
    out = capsys.readouterr().out
    assert "Forgot 2 extensions seen online (profile default on https://pbx.example)" in out
    assert "seen-default.json" in out
    assert not (isolated / "state" / "seen-default.json").exists()
    assert main(["state", "show"]) == 0
    assert "Remembered: 0 extensions" in capsys.readouterr().out
    # the demo's memory is untouched
    assert main(["state", "show", "--demo"]) == 0
    assert "Remembered: 40 extensions" in capsys.readouterr().out
    assert main(["state", "clear"]) == 0
    assert "Nothing was remembered" in capsys.readouterr().out


def test_state_clear_never_touches_the_history_sharing_its_folder(isolated, clock, monkeypatch, capsys):
    """With CCALL_STATE_DIR set and CCALL_DATA_DIR not, the recorded history lives in the very
    folder of the remembered state: clearing the state removes its own files, by name, only."""
    import sqlite3
    from dataclasses import replace

    from ccall_tui.api.learned import Learned, save_learned
    from ccall_tui.cli import main
    from ccall_tui.config import Profile
    from ccall_tui.recorder.db import connect_writer, history_path

    monkeypatch.delenv("CCALL_DATA_DIR", raising=False)
    monkeypatch.setenv("CCALL_BASE_URL", "https://pbx.example")
    profile = replace(Profile.default("default"), base_url="https://pbx.example")
    _remember(profile, clock, ["100", "101"])
    learned = save_learned(Learned(body_format="form"), profile)
    folder = learned.parent
    (folder / "last-filter.json").write_text("{}", encoding="utf-8")
    history = history_path(profile.name, profile.base_url)
    assert history.parent == folder  # the situation this guards against
    conn = connect_writer(history)
    conn.execute("CREATE TABLE IF NOT EXISTS kept (n INTEGER)")
    conn.execute("INSERT INTO kept VALUES (42)")
    conn.close()
    other = folder / "notes" / "mine.txt"
    other.parent.mkdir()
    other.write_text("not the app's", encoding="utf-8")

    assert main(["state", "clear"]) == 0
    out = capsys.readouterr().out
    assert "Forgot 2 extensions seen online" in out
    assert not learned.exists() and not (folder / "last-filter.json").exists()
    assert "history.sqlite" not in out
    assert other.read_text(encoding="utf-8") == "not the app's"
    with sqlite3.connect(history) as check:
        assert check.execute("SELECT n FROM kept").fetchall() == [(42,)]
    assert main(["state", "show"]) == 0
    assert "Remembered: 0 extensions" in capsys.readouterr().out
