"""Fail unless the JUnit report shows no skips, no failures, and Neo4j integration tests run."""

from __future__ import annotations

import sys
import xml.etree.ElementTree as ET


def main(path: str) -> int:
    cases = ET.parse(path).getroot().iter("testcase")
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
        f"test report: {total} tests, {integration} Neo4j integration tests passed, "
        f"{skipped} skipped, {failed} failed"
    )
    if skipped or failed or integration == 0 or total == 0:
        print(
            "FAIL: every test must run and pass, Neo4j integration tests included", file=sys.stderr
        )
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1]))
