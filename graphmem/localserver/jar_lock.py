"""The local server's jars without Maven.

A lock file per Neo4j version (``locks/neo4j-<version>.lock``, made once with Maven by
``python -m graphmem.localserver.jar_lock <version>``) lists every runtime jar of the server
with its Maven coordinates and SHA-1. ``fetch`` downloads them from Maven Central (or
``GRAPHMEM_MAVEN_REPOSITORY``), checks each hash, and writes them under the names Maven's
copy-dependencies gives them, so a cache filled either way serves both. A user needs neither
Maven nor a system Java to start the local Neo4j: ``pip install 'graphmem[local]'`` is enough.
"""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from graphmem.errors import LocalServerError

__all__ = ["LockedJar", "fetch", "lock_path", "read_lock"]

LOCKS = Path(__file__).with_name("locks")
CENTRAL = "https://repo1.maven.org/maven2"
# groupId:artifactId:type[:classifier]:version:scope, as dependency:list prints it
_LISTED = re.compile(
    r"^\s*([\w.\-]+):([\w.\-]+):jar(?::([\w.\-]+))?:([\w.\-]+):(?:compile|runtime)\b"
)


@dataclass(frozen=True, slots=True)
class LockedJar:
    group: str
    artifact: str
    version: str
    classifier: str | None
    sha1: str

    @property
    def file_name(self) -> str:
        """The name copy-dependencies gives it (with -Dmdep.prependGroupId=true)."""
        return f"{self.group}.{self._base}.jar"

    @property
    def _base(self) -> str:
        return f"{self.artifact}-{self.version}" + (
            f"-{self.classifier}" if self.classifier else ""
        )

    def url(self, repository: str) -> str:
        group = self.group.replace(".", "/")
        return f"{repository.rstrip('/')}/{group}/{self.artifact}/{self.version}/{self._base}.jar"

    def line(self) -> str:
        coords = f"{self.group}:{self.artifact}:{self.version}"
        return coords + (f":{self.classifier}" if self.classifier else "") + f" {self.sha1}"


def lock_path(version: str) -> Path:
    return LOCKS / f"neo4j-{version}.lock"


def read_lock(version: str) -> list[LockedJar] | None:
    """The locked jars of ``version``, or None when graphmem ships no lock for it."""
    try:
        text = lock_path(version).read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    jars = []
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        coords, sha1 = line.split()
        group, artifact, jar_version, *classifier = coords.split(":")
        jars.append(LockedJar(group, artifact, jar_version, next(iter(classifier), None), sha1))
    return jars


def fetch(jars: list[LockedJar], lib: Path, repository: str | None = None) -> None:
    """Download the jars ``lib`` lacks, eight at a time, each checked against its SHA-1."""
    repository = repository or os.environ.get("GRAPHMEM_MAVEN_REPOSITORY") or CENTRAL
    lib.mkdir(parents=True, exist_ok=True)
    missing = [j for j in jars if not (lib / j.file_name).exists()]
    with ThreadPoolExecutor(max_workers=8) as pool:
        for _ in pool.map(lambda jar: _download(jar, lib, repository), missing):
            pass


def _download(jar: LockedJar, lib: Path, repository: str) -> None:
    url = jar.url(repository)
    try:
        with urllib.request.urlopen(url, timeout=60) as response:
            data = response.read()
    except OSError as exc:
        raise LocalServerError(
            f"could not download {url} ({exc}); check the network, set "
            "GRAPHMEM_MAVEN_REPOSITORY to a Maven Central mirror, or set NEO4J_URI"
        ) from exc
    digest = hashlib.sha1(data, usedforsecurity=False).hexdigest()
    if digest != jar.sha1:
        raise LocalServerError(f"{url} has SHA-1 {digest}, the lock says {jar.sha1}: not used")
    partial = lib / (jar.file_name + ".part")
    partial.write_bytes(data)
    partial.replace(lib / jar.file_name)


def write_lock(version: str, lib: Path, listing: str) -> Path:
    """The lock of ``version`` from Maven's dependency:list output and the jars it copied."""
    jars = []
    for match in filter(None, map(_LISTED.match, listing.splitlines())):
        group, artifact, classifier, jar_version = match.groups()
        probe = LockedJar(group, artifact, jar_version, classifier, "")
        data = (lib / probe.file_name).read_bytes()
        sha1 = hashlib.sha1(data, usedforsecurity=False).hexdigest()
        jars.append(LockedJar(group, artifact, jar_version, classifier, sha1))
    if not jars:
        raise LocalServerError("dependency:list listed no jars")
    path = lock_path(version)
    path.parent.mkdir(exist_ok=True)
    header = (
        f"# The runtime jars of Neo4j Community {version} with the Browser, as Maven resolved\n"
        f"# them; made by: python -m graphmem.localserver.jar_lock {version}\n"
    )
    path.write_text(header + "".join(j.line() + "\n" for j in sorted(jars, key=str)))
    return path


def _main(version: str) -> None:
    """Resolve ``version`` with Maven (as install_jars does without a lock), then lock it."""
    from graphmem.localserver.java_server import _POM, install_jars

    lib = install_jars(version, use_lock=False)
    listing = subprocess.run(
        ["mvn", "-B", "-q", "-f", str(_POM), "dependency:list", "-DincludeScope=runtime",
         f"-Dneo4j.version={version}", "-DoutputFile=/dev/stdout", "-DexcludeTransitive=false"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    print(write_lock(version, lib, listing))


if __name__ == "__main__":
    _main(sys.argv[1])
