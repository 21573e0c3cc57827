"""Mutation check of gmail_core: does some test fail when the code is broken?

Each mutant is one small change to one module — an operator swapped, a constant changed, a
statement deleted, a branch negated, or a hand-picked breakage (a misspelled field mask, a
logged access token) — applied to a scratch copy of the repository. Only the tests that cover
that module run against it (``-x``, fixed order): a mutant is *killed* when they fail (or time
out), *survived* when they pass. Prints each survivor and the kill rate per module.

Usage::

    .venv/bin/python scripts/mutants.py                 # every module below, 30 mutants each
    .venv/bin/python scripts/mutants.py client batch -n 0   # all mutants of two modules
    .venv/bin/python scripts/mutants.py --list client   # show the mutants, run nothing
    .venv/bin/python scripts/mutants.py --again out.txt # only those that survived a run

Sequential on purpose (one worker): the machine is shared. The sample of generated mutants is
seeded (``--seed``), so two runs pick the same ones. mutmut does the same more thoroughly, and
takes hours here; this takes minutes per module.
"""

from __future__ import annotations

import argparse
import ast
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# The tests that cover each module, fastest first (-x stops at the first failure). End-to-end
# tests are left out: they cover the same code through a plugin process, ten times slower.
TESTS: dict[str, list[str]] = {
    "client": ["tests/unit/test_client.py", "tests/reliability/test_hostile_input.py",
               "tests/reliability/test_faults.py"],
    "batch": ["tests/unit/test_client.py", "tests/reliability/test_hostile_input.py",
              "tests/reliability/test_faults.py"],
    "transport": ["tests/unit/test_client.py", "tests/reliability/test_faults.py"],
    "sending": ["tests/unit/test_client.py", "tests/unit/test_core_small.py",
                "tests/reliability/test_never_twice.py", "tests/reliability/test_faults.py",
                "tests/reliability/test_secrets.py"],
    "oauth": ["tests/unit/test_oauth.py", "tests/unit/test_oauth_errors.py",
              "tests/reliability/test_secrets.py"],
    "reading": ["tests/unit/test_reading.py", "tests/unit/test_reading_edges.py",
                "tests/unit/test_charsets.py", "tests/reliability/test_fuzz.py",
                "tests/reliability/test_hostile_input.py"],
    "messages": ["tests/reliability/test_hostile_input.py", "tests/reliability/test_faults.py"],
}  # fmt: skip
TIMEOUT_FACTOR = 3  # a mutant whose tests run this much longer than usual hung: killed


@dataclass(frozen=True)
class Mutant:
    module: str
    line: int
    description: str
    source: str  # the whole mutated module

    def __str__(self) -> str:
        return f"{self.module}:{self.line}: {self.description}"


# -- hand-picked mutants: breakages that once went unnoticed ----------------------------------
def _replace(module: str, old: str, new: str, description: str) -> Mutant | None:
    text = (ROOT / "gmail_core" / f"{module}.py").read_text()
    if old not in text:
        return None  # the code moved on; the mutant no longer applies
    line = text[: text.index(old)].count("\n") + 1
    return Mutant(module, line, description, text.replace(old, new, 1))


def hand_picked() -> list[Mutant]:
    picks = [
        _replace(
            "messages",
            '"id,threadId,labelIds,snippet,internalDate,sizeEstimate,payload("',
            '"id,thredId,labelId,snipet,internalDate,sizeEstimate,payload("',
            "misspelled names in the search field mask",
        ),
        _replace(
            "messages",
            '"id,threadId,labelIds,snippet,internalDate,sizeEstimate,payload("',
            '"id,threadId,sizeEstimate,payload("',
            "labelIds, snippet and internalDate left out of the search field mask",
        ),
        _replace(
            "messages",
            '"partId,mimeType,filename,headers,body(size,attachmentId)"',
            '"partId,mimeType,filename,headers,body(size,attachmentld)"',
            "misspelled attachmentId in the part mask",
        ),
        _replace(
            "sending",
            '    client.require("compose")\n    metadata = {"message"',
            '    client.require("compose")\n    log.info("draft by %s", client._auth)\n'
            '    metadata = {"message"',
            "create_draft logs the access token",
        ),
        _replace(
            "client",
            "        all_headers = {**self._auth, **(headers or {})}\n",
            "        all_headers = {**self._auth, **(headers or {})}\n"
            '        log.debug("request headers %s", all_headers)\n',
            "every request logs its Authorization header",
        ),
        _replace(
            "oauth",
            "resp = transport.session().post(url, data=form,",
            "log.info('token request %s', form)\n        resp = transport.session().post(url, "
            "data=form,",
            "the token request logs its form (code, client secret, refresh token)",
        ),
    ]
    return [p for p in picks if p is not None]


# -- generated mutants ----------------------------------------------------------------------
COMPARE_SWAP = {
    ast.Lt: "<=", ast.LtE: "<", ast.Gt: ">=", ast.GtE: ">", ast.Eq: "!=", ast.NotEq: "==",
    ast.In: "not in", ast.NotIn: "in", ast.Is: "is not", ast.IsNot: "is",
}  # fmt: skip
BINOP_SWAP = {ast.Add: "-", ast.Sub: "+", ast.Mult: "/", ast.Div: "*", ast.FloorDiv: "*",
              ast.Pow: "*", ast.Mod: "//"}  # fmt: skip


def _span(text: str, lines: list[str], node: ast.AST) -> tuple[int, int]:
    start = _char_offset(lines, node.lineno, node.col_offset)  # type: ignore[attr-defined]
    end = _char_offset(lines, node.end_lineno, node.end_col_offset)  # type: ignore[attr-defined]
    return start, end


def _char_offset(lines: list[str], line: int, byte_col: int) -> int:
    """AST columns count UTF-8 bytes; string offsets count characters."""
    before = sum(len(x) for x in lines[: line - 1])
    return before + len(lines[line - 1].encode()[:byte_col].decode(errors="ignore"))


def generated(module: str) -> Iterator[Mutant]:
    text = (ROOT / "gmail_core" / f"{module}.py").read_text()
    lines = text.splitlines(keepends=True)
    tree = ast.parse(text)
    docstrings = {
        id(n.body[0].value)
        for n in ast.walk(tree)
        if isinstance(n, ast.Module | ast.FunctionDef | ast.ClassDef | ast.AsyncFunctionDef)
        and n.body
        and isinstance(n.body[0], ast.Expr)
        and isinstance(n.body[0].value, ast.Constant)
    }

    def edit(node: ast.AST, new: str, what: str) -> Mutant:
        start, end = _span(text, lines, node)
        return Mutant(module, node.lineno, what, text[:start] + new + text[end:])  # type: ignore[attr-defined]

    for node in ast.walk(tree):
        seg = ast.get_source_segment(text, node) if hasattr(node, "lineno") else None
        if isinstance(node, ast.Compare) and len(node.ops) == 1 and seg:
            op = COMPARE_SWAP.get(type(node.ops[0]))
            if op:
                left = ast.get_source_segment(text, node.left)
                right = ast.get_source_segment(text, node.comparators[0])
                yield edit(node, f"{left} {op} {right}", f"{seg[:60]!r}: operator -> {op}")
        elif isinstance(node, ast.BinOp) and seg and type(node.op) in BINOP_SWAP:
            if isinstance(node.left, ast.Constant) and isinstance(node.left.value, str):
                continue  # string formatting with %
            left = ast.get_source_segment(text, node.left)
            right = ast.get_source_segment(text, node.right)
            op = BINOP_SWAP[type(node.op)]
            yield edit(node, f"({left} {op} {right})", f"{seg[:60]!r}: operator -> {op}")
        elif isinstance(node, ast.BoolOp) and seg:
            op = " or " if isinstance(node.op, ast.And) else " and "
            parts = [ast.get_source_segment(text, v) or "" for v in node.values]
            yield edit(node, "(" + op.join(parts) + ")", f"{seg[:60]!r}: -> {op.strip()}")
        elif isinstance(node, ast.Constant) and id(node) not in docstrings and seg:
            value = node.value
            if isinstance(value, bool):
                yield edit(node, str(not value), f"{seg} -> {not value}")
            elif isinstance(value, int | float) and not isinstance(value, bool):
                yield edit(node, repr(value + 1), f"{seg} -> {value + 1!r}")
        elif isinstance(node, ast.If | ast.While) and (
            cond := ast.get_source_segment(text, node.test)
        ):
            yield edit(node.test, f"not ({cond})", f"condition {cond[:50]!r} negated")
        elif isinstance(node, ast.Expr | ast.Raise | ast.AugAssign | ast.Return) and seg:
            if id(getattr(node, "value", None)) in docstrings:
                continue
            yield edit(node, "pass", f"statement deleted: {seg.splitlines()[0][:60]!r}")


# -- running ----------------------------------------------------------------------------------
def scratch_copy() -> Path:
    dest = Path(tempfile.mkdtemp(prefix="mutants-"))
    ignore = shutil.ignore_patterns(".venv", ".git", "__pycache__", ".mypy_cache", ".ruff_cache",
                                    ".hypothesis", "*.pyc")  # fmt: skip
    shutil.copytree(ROOT, dest / "repo", ignore=ignore)
    return dest / "repo"


def run_tests(repo: Path, module: str, timeout: float) -> str:
    """'killed', 'survived' or 'timeout' for the module's tests in ``repo``."""
    cmd = [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:randomly", "--hypothesis-seed=0",
           *TESTS[module]]  # fmt: skip
    try:
        done = subprocess.run(  # noqa: S603 (our own interpreter and test paths)
            cmd, cwd=repo, capture_output=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired:
        return "timeout"
    return "survived" if done.returncode == 0 else "killed"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("modules", nargs="*", default=list(TESTS), help=f"of {sorted(TESTS)}")
    ap.add_argument("-n", type=int, default=30, help="generated mutants per module (0 = all)")
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--list", action="store_true", help="print the mutants, run nothing")
    ap.add_argument(
        "--again",
        type=Path,
        help="an earlier run's output: run only the mutants that survived it (after new tests)",
    )
    args = ap.parse_args(argv)
    again = None
    if args.again is not None:
        again = {
            line.split("survived", 1)[1].strip()
            for line in args.again.read_text().splitlines()
            if line.strip().startswith("survived")
        }
    picks = hand_picked()
    plan: dict[str, list[Mutant]] = {}
    for module in args.modules:
        if module not in TESTS:
            ap.error(f"no tests listed for {module!r}")
        pool = list(generated(module))
        if args.n:
            rng = random.Random(f"{args.seed}:{module}")  # noqa: S311 (a sample, not a secret)
            pool = rng.sample(pool, min(args.n, len(pool)))
        plan[module] = [m for m in picks if m.module == module] + pool
        if again is not None:
            plan[module] = [m for m in plan[module] if str(m) in again]
    if args.list:
        for mutants in plan.values():
            for m in mutants:
                print(m)
        return 0

    repo = scratch_copy()
    rates: dict[str, tuple[int, int]] = {}
    try:
        for module, mutants in plan.items():
            target = repo / "gmail_core" / f"{module}.py"
            original = target.read_text()
            started = time.monotonic()
            if run_tests(repo, module, timeout=1800) != "survived":
                print(f"{module}: its tests fail without any mutant; skipped")
                continue
            baseline = time.monotonic() - started
            killed = 0
            print(f"== {module}: {len(mutants)} mutants, tests take {baseline:.0f} s", flush=True)
            for mutant in mutants:
                target.write_text(mutant.source)
                try:
                    outcome = run_tests(repo, module, timeout=TIMEOUT_FACTOR * baseline + 30)
                finally:
                    target.write_text(original)
                killed += outcome != "survived"
                if outcome == "survived":
                    print(f"   survived  {mutant}", flush=True)
            rates[module] = (killed, len(mutants))
            print(f"   {module}: {killed}/{len(mutants)} killed", flush=True)
    finally:
        shutil.rmtree(repo.parent, ignore_errors=True)
    print("\nkill rate per module")
    for module, (killed, total) in rates.items():
        print(f"  {module:<10} {killed:>3}/{total:<3} {100 * killed / max(total, 1):5.1f} %")
    return 0


if __name__ == "__main__":
    sys.exit(main())
