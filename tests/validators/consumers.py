#!/usr/bin/env python3
"""Read what the tools wrote the way its real consumer does, with that consumer's own library.

Each subcommand prints one JSON document on stdout: what the independent implementation made of
the input, for the Rust test to judge. Exit 0 when it could read the input, 1 when the input is
malformed for that consumer, 77 when the library is not installed (the test skips, or fails
when SENTINEL_REQUIRE_VALIDATORS is set).

  slack FILE...      Slack incoming-webhook payloads, parsed and validated by the official
                     Python SDK's Block Kit models (slack_sdk.models.blocks).
  uris FILE...       every "url" in JSON documents, checked against the RFC 3986 grammar with
                     rfc3986-validator (what the jsonschema library uses for format "uri").
  junit FILE         a JUnit XML report read by junitparser: suites, cases and their results.
  markdown FILE      Markdown rendered by GitHub's own renderer (cmark-gfm, via cmarkgfm):
                     the text of every table cell, with "<markup>" where the renderer made
                     emphasis, a link or HTML out of it.
  statistics FILE    the p-values of sentinel-watch analyze's tests, computed again by SciPy
                     (scipy.stats.fisher_exact, mannwhitneyu and a pooled two-proportion z),
                     for cases given as JSON: [{"test": ..., ...}, ...].
  frontmatter FILE   the YAML front matter of a Markdown report, read by PyYAML's safe_load
                     (what note-taking tools such as Obsidian and Jekyll read it with).
  exposition FILE    a Prometheus text-format scrape parsed by the official Python client's
                     parser (prometheus_client.parser): families, types and samples.
"""

import json
import sys
from html.parser import HTMLParser

MISSING = 77


def need(module, package):
    try:
        return __import__(module, fromlist=["_"])
    except ImportError:
        print(f"{package} is not installed (pip install {package})", file=sys.stderr)
        sys.exit(MISSING)


def load(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def slack(paths):
    blocks_module = need("slack_sdk.models.blocks", "slack-sdk")
    errors_module = need("slack_sdk.errors", "slack-sdk")
    report = []
    for path in paths:
        payload = load(path)
        problems = []
        if not isinstance(payload.get("text"), str) or not payload["text"]:
            problems.append("no top-level text (Slack's notification fallback)")
        raw_blocks = payload.get("blocks", [])
        if len(raw_blocks) > 50:
            problems.append(f"{len(raw_blocks)} blocks (Slack allows 50)")
        for index, raw in enumerate(raw_blocks):
            block = blocks_module.Block.parse(raw)
            if block is None or type(block) is blocks_module.Block:
                problems.append(f"block {index}: type {raw.get('type')!r} is unknown to the SDK")
                continue
            try:
                block.validate_json()
            except errors_module.SlackObjectFormationError as e:
                problems.append(f"block {index} ({raw.get('type')}): {e}")
                continue
            # The SDK keeps only the fields it knows: anything lost is a field Slack ignores.
            if normalised(block.to_dict()) != normalised(raw):
                problems.append(
                    f"block {index} ({raw.get('type')}) has fields the SDK drops or changes: "
                    f"{json.dumps(raw, sort_keys=True)} became {json.dumps(block.to_dict(), sort_keys=True)}"
                )
        report.append({"file": path, "problems": problems, "mrkdwn": mrkdwn_texts(payload)})
    print(json.dumps(report))


def normalised(value):
    """Compare payloads as Slack reads them: the SDK writes emoji=true and verbatim=false
    explicitly where they are Slack's defaults anyway."""
    if isinstance(value, dict):
        return {
            k: normalised(v)
            for k, v in value.items()
            if not (k == "emoji" and v is True) and not (k == "verbatim" and v is False)
        }
    if isinstance(value, list):
        return [normalised(v) for v in value]
    return value


def mrkdwn_texts(value, out=None):
    out = [] if out is None else out
    if isinstance(value, dict):
        if value.get("type") == "mrkdwn" and isinstance(value.get("text"), str):
            out.append(value["text"])
        for v in value.values():
            mrkdwn_texts(v, out)
    elif isinstance(value, list):
        for v in value:
            mrkdwn_texts(v, out)
    return out


def uris(paths):
    validator = need("rfc3986_validator", "rfc3986-validator")
    report = []

    def walk(value, where):
        if isinstance(value, dict):
            for k, v in value.items():
                if k == "url" and isinstance(v, str):
                    ok = validator.validate_rfc3986(v, rule="URI")
                    report.append({"file": where, "url": v, "valid": bool(ok)})
                else:
                    walk(v, where)
        elif isinstance(value, list):
            for v in value:
                walk(v, where)

    for path in paths:
        walk(load(path), path)
    print(json.dumps(report))


def junit(path):
    junitparser = need("junitparser", "junitparser")
    try:
        xml = junitparser.JUnitXml.fromfile(path)
    except Exception as e:  # the parser's own error, whatever its class
        print(f"junitparser cannot read {path}: {e}", file=sys.stderr)
        sys.exit(1)
    suites = [xml] if isinstance(xml, junitparser.TestSuite) else list(xml)
    out = {"suites": []}
    for suite in suites:
        cases = []
        for case in suite:
            results = [
                {"type": type(r).__name__, "message": r.message or "", "text": r.text or ""}
                for r in case.result
            ]
            cases.append({"name": case.name, "classname": case.classname, "results": results})
        out["suites"].append(
            {
                "name": suite.name,
                "tests": suite.tests,
                "failures": suite.failures,
                "errors": suite.errors,
                "cases": cases,
            }
        )
    print(json.dumps(out))


class Cells(HTMLParser):
    """The text of every table cell; a code span's text counts as text (it shows exactly)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.cells = []
        self.current = None

    def handle_starttag(self, tag, attrs):
        if tag in ("td", "th"):
            self.current = ""
        elif self.current is not None and tag in ("em", "strong", "del", "a", "img", "s"):
            self.current += "<markup>"
        elif self.current is not None and tag not in ("code",):
            self.current += f"<html:{tag}>"

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self.current is not None:
            self.cells.append(self.current)
            self.current = None

    def handle_data(self, data):
        if self.current is not None:
            self.current += data

    def handle_comment(self, data):
        # cmark-gfm replaces raw HTML it will not pass through with a comment.
        if self.current is not None:
            self.current += f"<html:comment {data.strip()}>"


def markdown(path):
    cmarkgfm = need("cmarkgfm", "cmarkgfm")
    with open(path, encoding="utf-8") as f:
        text = f.read()
    html = cmarkgfm.github_flavored_markdown_to_html(text)
    parser = Cells()
    parser.feed(html)
    print(json.dumps({"cells": parser.cells}))


def statistics(path):
    stats = need("scipy.stats", "scipy")
    import math

    answers = []
    for case in load(path):
        if case["test"] == "fisher":
            x1, n1, x2, n2 = case["x1"], case["n1"], case["x2"], case["n2"]
            _, p = stats.fisher_exact([[x1, n1 - x1], [x2, n2 - x2]], alternative="greater")
        elif case["test"] == "z":
            x1, n1, x2, n2 = case["x1"], case["n1"], case["x2"], case["n2"]
            pooled = (x1 + x2) / (n1 + n2)
            spread = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
            z = (x1 / n1 - x2 / n2) / spread
            p = float(stats.norm.sf(z))
        elif case["test"] == "mannwhitney":
            exact = case["exact"]
            result = stats.mannwhitneyu(
                case["canary"],
                case["baseline"],
                alternative="greater",
                method="exact" if exact else "asymptotic",
                use_continuity=True,
            )
            p = result.pvalue
        else:
            raise SystemExit(f"unknown test {case['test']!r}")
        answers.append(float(p))
    print(json.dumps({"pValues": answers}))


def frontmatter(path):
    yaml = need("yaml", "pyyaml")
    with open(path, encoding="utf-8") as f:
        text = f.read()
    if not text.startswith("---\n"):
        print("the report does not start with front matter", file=sys.stderr)
        sys.exit(1)
    block, _, rest = text[4:].partition("\n---\n")
    try:
        data = yaml.safe_load(block)
    except yaml.YAMLError as e:
        print(f"the front matter is not YAML: {e}", file=sys.stderr)
        sys.exit(1)
    print(json.dumps({"frontMatter": data, "rest": rest[:200]}))


def exposition(path):
    parser = need("prometheus_client.parser", "prometheus-client")
    with open(path, encoding="utf-8") as f:
        text = f.read()
    families = []
    try:
        for family in parser.text_string_to_metric_families(text):
            families.append(
                {
                    "name": family.name,
                    "type": family.type,
                    "samples": [
                        {"name": s.name, "labels": s.labels, "value": s.value}
                        for s in family.samples
                    ],
                }
            )
    except ValueError as e:
        print(f"not the Prometheus text format: {e}", file=sys.stderr)
        sys.exit(1)
    print(json.dumps({"families": families}))


def main(argv):
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    command, args = argv[1], argv[2:]
    if command == "slack":
        slack(args)
    elif command == "uris":
        uris(args)
    elif command == "junit":
        junit(args[0])
    elif command == "markdown":
        markdown(args[0])
    elif command == "statistics":
        statistics(args[0])
    elif command == "frontmatter":
        frontmatter(args[0])
    elif command == "exposition":
        exposition(args[0])
    else:
        print(f"unknown subcommand {command!r}\n{__doc__}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
