"""Regenerate tests/data/gitleaks_tps.json: every true-positive example of gitleaks' rules.

gitleaks keeps each rule's examples in Go (`cmd/generate/config/rules/*.go`, the `tps`
values), many of them built at generation time: `utils.GenerateSampleSecrets(id,
secret)` writes one secret in some thirty notations (INI, JSON, YAML, Go, PHP `.=`, Make
`::=`, `System.setProperty(...)`...), `secrets.NewSecret(regex)` draws a random string
of a regex. This script evaluates that small part of Go (string literals, `+`, those
helpers, `append`, `fmt.Sprintf`, local variables) with a seeded generator, so the file
is the same each time for the same gitleaks commit; an example it cannot evaluate is
counted in the file, not guessed.

    python -m dev.gitleaks_tps /path/to/gitleaks [--commit REV]

The path is a checkout or a bare git directory; use the commit named in
process_report.secret_catalogue.UPSTREAM.
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import re
import subprocess
import tomllib
from pathlib import Path
from re import _parser as sre_parse  # type: ignore[attr-defined]
from typing import Any

from process_report.secret_catalogue import UPSTREAM, translate
from tests.support import PROJECT_DIR

OUT = PROJECT_DIR / "tests" / "data" / "gitleaks_tps.json"
RULES_DIR = "cmd/generate/config/rules"
_TOKEN = re.compile(
    r"\s+|//[^\n]*|/\*.*?\*/|`[^`]*`|\"(?:[^\"\\\n]|\\.)*\"|'(?:[^'\\]|\\.)+'"
    r"|[A-Za-z_][\w.]*|\d+|\.\.\.|:=|[-+*/(){}\[\],:=;!<>&|.%]",
    re.S,
)
_ASSIGN = re.compile(r"^[ \t]*(\w+)[ \t]*(?::=|=)[ \t]*", re.M)
_FUNC = re.compile(r"^func (\w+)\(\)[^{]*\{", re.M)
_SAMPLES = None  # the notations of utils.GenerateSampleSecrets, read from gitleaks
_STOPWORDS: list[str] = []  # gitleaks' DefaultStopWords, as its generic rule lists them


class UnsupportedError(Exception):
    """An expression outside the part of Go this script evaluates."""


def _go_string(token: str) -> str:
    if token.startswith("`"):
        return token[1:-1]
    return json.loads(re.sub(r"\\x([0-9a-fA-F]{2})", r"\\u00\1", token))


def generate(pattern: str, rng: random.Random) -> str:
    """A random string that `pattern` (Go syntax) matches, like gitleaks' NewSecret."""
    return _emit(sre_parse.parse(translate(pattern)), rng)


def _emit(items: Any, rng: random.Random) -> str:
    out = []
    for op, arg in items:
        name = str(op)
        if name == "LITERAL":
            out.append(chr(arg))
        elif name == "ANY":
            out.append(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789"))
        elif name == "IN":
            out.append(_pick_in(arg, rng))
        elif name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
            low, high, sub = arg
            high = min(high, low + 8) if high != sre_parse.MAXREPEAT else low + 8
            out += [_emit(sub, rng) for _ in range(rng.randint(low, high))]
        elif name == "SUBPATTERN":
            out.append(_emit(arg[-1], rng))
        elif name == "BRANCH":
            out.append(_emit(rng.choice(arg[1]), rng))
        elif name in ("AT", "ASSERT", "ASSERT_NOT"):
            continue
        elif name == "NOT_LITERAL":
            out.append("x" if arg != ord("x") else "y")
        else:
            raise UnsupportedError(name)
    return "".join(out)


def _pick_in(items: Any, rng: random.Random) -> str:
    choices: list[str] = []
    for op, arg in items:
        name = str(op)
        if name == "LITERAL":
            choices.append(chr(arg))
        elif name == "RANGE":
            choices += [chr(c) for c in range(arg[0], arg[1] + 1)]
        elif name == "CATEGORY":
            kind = str(arg)
            choices += list(
                "0123456789"
                if "DIGIT" in kind
                else "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_"
                if "WORD" in kind
                else " "
            )
        elif name == "NEGATE":
            return "x"
    return rng.choice(choices)


class _Evaluator:
    """Evaluates Go expressions of a rule function, left to right."""

    def __init__(self, tokens: list[str], env: dict[str, Any], rng: random.Random) -> None:
        self.tokens, self.at, self.env, self.rng = tokens, 0, env, rng

    def peek(self) -> str:
        return self.tokens[self.at] if self.at < len(self.tokens) else ""

    def take(self, expected: str | None = None) -> str:
        token = self.peek()
        if expected is not None and token != expected:
            raise UnsupportedError(f"expected {expected!r}, got {token!r}")
        self.at += 1
        return token

    def expression(self) -> Any:
        value = self.term()
        while self.peek() == "+":
            self.take()
            right = self.term()
            if not isinstance(value, str) or not isinstance(right, str):
                raise UnsupportedError("+ on non-strings")
            value += right
        return value

    def term(self) -> Any:
        token = self.take()
        if token[:1] in '`"':
            return _go_string(token)
        if token == "[":  # []string{...}
            self.take("]")
            self.take("string")
            return self.list_literal()
        if token == "map":  # map[string]string{path: example, ...}: the examples
            for expected in ("[", "string", "]", "string"):
                self.take(expected)
            return self.list_literal(keyed=True)
        if re.fullmatch(r"[A-Za-z_][\w.]*", token):
            if self.peek() == "(":
                return self.call(token)
            if token in self.env:
                return self.env[token]
        raise UnsupportedError(token)

    def list_literal(self, keyed: bool = False) -> list[str]:
        self.take("{")
        items: list[str] = []
        while self.peek() != "}":
            start = self.at
            try:
                if keyed:
                    self.expression()
                    self.take(":")
                items.append(self.expression())
            except UnsupportedError:
                self.at = start
                self.skip_element()
                self.env["#skipped"] = self.env.get("#skipped", 0) + 1
            if self.peek() == ",":
                self.take()
        self.take("}")
        return items

    def skip_element(self) -> None:
        depth = 0
        while self.peek() and not (depth == 0 and self.peek() in ",}"):
            depth += {"(": 1, "{": 1, "[": 1, ")": -1, "}": -1, "]": -1}.get(self.take(), 0)

    def arguments(self) -> list[Any]:
        self.take("(")
        args: list[Any] = []
        while self.peek() != ")":
            value = self.expression()
            if self.peek() == "...":
                self.take()
                args += value
            else:
                args.append(value)
            if self.peek() == ",":
                self.take()
        self.take(")")
        return args

    def call(self, name: str) -> Any:
        args = self.arguments()
        rng = self.rng
        sizes = {
            "utils.Numeric": "[0-9]{%s}",
            "utils.Hex": "[a-f0-9]{%s}",
            "utils.AlphaNumeric": "[a-z0-9]{%s}",
            "utils.AlphaNumericExtendedShort": "[a-z0-9_-]{%s}",
            "utils.AlphaNumericExtended": "[a-z0-9=_\\-]{%s}",
            "utils.AlphaNumericExtendedLong": "[a-z0-9\\/=_\\+\\-]{%s}",
        }
        if name in sizes:
            return sizes[name] % args[0]
        if name == "utils.Hex8_4_4_4_12":
            return "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
        if name == "secrets.NewSecret":
            return generate(args[0], rng)
        if name == "newPlausibleSecret":  # with a digit and none of gitleaks' stopwords
            while True:
                secret = generate(args[0], rng)
                if re.search("[1-9]", secret) and not any(w in secret.lower() for w in _STOPWORDS):
                    return secret
        if name == "utils.GenerateSampleSecret":
            return f'{args[0]}_api_token = "{args[1]}"'
        if name == "utils.GenerateSampleSecrets":
            return [
                s.replace("{i}", args[0]).replace("{I}", args[0].upper()).replace("{s}", args[1])
                for s in _SAMPLES or ()
            ]
        if name == "append":
            return [*args[0], *args[1:]]
        if name == "fmt.Sprintf":
            return re.sub(r"%[sdvq]", "{}", args[0].replace("{", "{{").replace("}", "}}")).format(
                *args[1:]
            )
        if name == "strings.ToUpper":
            return args[0].upper()
        if name == "strings.Repeat":
            return args[0] * int(args[1])
        raise UnsupportedError(name)


def _read(source: Path, commit: str, path: str) -> str:
    if (source / path).exists():
        return (source / path).read_text()
    return subprocess.run(
        ["git", "--git-dir", str(source), "show", f"{commit}:{path}"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def _rule_files(source: Path, commit: str) -> list[str]:
    if (source / RULES_DIR).is_dir():
        return sorted(p.name for p in (source / RULES_DIR).glob("*.go"))
    listing = subprocess.run(
        ["git", "--git-dir", str(source), "ls-tree", "--name-only", commit, RULES_DIR + "/"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    return sorted(Path(p).name for p in listing)


def _sample_notations(source: Path, commit: str) -> list[str]:
    """The notations of GenerateSampleSecrets, as gitleaks lists them."""
    text = _read(source, commit, "cmd/generate/config/utils/generate.go")
    body = text[text.index("func GenerateSampleSecrets") :]
    body = body[: body.index("replacer :=")]
    literals = re.findall(r"^\s*\"[^\"]+\":\s*(`[^`]*`|\"(?:[^\"\\]|\\.)*\"),", body, re.M)
    return [_go_string(t) for t in literals]


def _examples(text: str, rng: random.Random) -> list[dict[str, Any]]:
    """Each rule function's id and evaluated `tps`, with how many were skipped."""
    found = []
    starts = [m.start() for m in _FUNC.finditer(text)] + [len(text)]
    for begin, end in itertools.pairwise(starts):
        body = text[begin:end]
        rule_id = re.search(r'RuleID:\s*"([^"]+)"', body)
        if not rule_id or "tps" not in body:
            continue
        env: dict[str, Any] = {}
        for assign in _ASSIGN.finditer(body):
            tokens = [
                t for t in _TOKEN.findall(body, assign.end()) if not t.isspace() and t[:2] != "//"
            ]
            evaluator = _Evaluator(tokens, env, rng)
            try:
                env[assign[1]] = evaluator.expression()
            except (UnsupportedError, IndexError, KeyError, ValueError):
                if assign[1] == "tps":
                    env["#skipped"] = env.get("#skipped", 0) + 1
        tps = env.get("tps")
        if isinstance(tps, list):
            found.append({"id": rule_id[1], "tps": tps, "skipped": env.get("#skipped", 0)})
    return found


def main() -> None:
    global _SAMPLES
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("gitleaks", type=Path, help="a gitleaks checkout or git directory")
    parser.add_argument("--commit", default=UPSTREAM["commit"])
    args = parser.parse_args()
    rng = random.Random(17)
    _SAMPLES = _sample_notations(args.gitleaks, args.commit)
    catalogue = tomllib.loads(_read(args.gitleaks, args.commit, "config/gitleaks.toml"))
    generic = next(r for r in catalogue["rules"] if r["id"] == "generic-api-key")
    _STOPWORDS[:] = [w for a in generic["allowlists"] for w in a.get("stopwords", ())]
    rules = []
    for name in _rule_files(args.gitleaks, args.commit):
        if name.endswith("_test.go"):
            continue
        text = _read(args.gitleaks, args.commit, f"{RULES_DIR}/{name}")
        for rule in _examples(text, rng):
            rules.append({"family": name.removesuffix(".go"), **rule})
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(
        json.dumps({"upstream": UPSTREAM | {"commit": args.commit}, "rules": rules}, indent=1)
        + "\n"
    )
    total = sum(len(r["tps"]) for r in rules)
    skipped = sum(r["skipped"] for r in rules)
    print(f"{len(rules)} rules, {total} examples, {skipped} skipped -> {OUT}")


if __name__ == "__main__":
    main()
