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
