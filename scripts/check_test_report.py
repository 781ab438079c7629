"""Fail unless the JUnit report shows no skips, no failures, and Neo4j integration tests run.

    python scripts/check_test_report.py REPORT.xml [--neo4j VERSION_PREFIX]

With --neo4j, the run must also have used a Neo4j whose version starts with that prefix."""

from __future__ import annotations

import argparse
import sys
import xml.etree.ElementTree as ET


def main(path: str, neo4j_prefix: str | None = None) -> int:
    root = ET.parse(path).getroot()
    versions = {
        prop.get("value") or ""
        for prop in root.iter("property")
        if prop.get("name") == "neo4j_version"
    }
    if neo4j_prefix is not None and not (
        versions and all(v.startswith(neo4j_prefix) for v in versions)
    ):
        print(
            f"FAIL: expected a Neo4j {neo4j_prefix}* run, the report shows {sorted(versions)}",
            file=sys.stderr,
        )
        return 1
    cases = root.iter("testcase")
    total = skipped = failed = integration = 0
    for case in cases:
        total += 1
        outcome = {child.tag for child in case}
        if "skipped" in outcome:
            skipped += 1
            print(f"skipped: {case.get('classname')}::{case.get('name')}", file=sys.stderr)
        elif outcome & {"failure", "error"}:
            failed += 1
        elif (case.get("classname") or "").startswith("tests.integration."):
            integration += 1
    print(
        f"test report: {total} tests, {integration} Neo4j integration tests passed "
        f"(Neo4j {', '.join(sorted(versions)) or '?'}), {skipped} skipped, {failed} failed"
    )
    if skipped or failed or integration == 0 or total == 0:
        print(
            "FAIL: every test must run and pass, Neo4j integration tests included", file=sys.stderr
        )
        return 1
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("report")
    parser.add_argument("--neo4j", help="the Neo4j version prefix the run must have used")
    args = parser.parse_args()
    raise SystemExit(main(args.report, args.neo4j))
