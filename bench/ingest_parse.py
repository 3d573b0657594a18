"""``bench/ingest.py`` (a): parse only, the ceiling for everything else.

:func:`~gateway.pipeline.parse.message.parse_message` over bytes already in
memory, each call timed on its own, and every result checked against what the
generator put in (Message-ID, subject, body text, attachments): a parser that
is fast because it drops text is a bug, so the checks are printed beside the rate.
"""

from __future__ import annotations

import statistics
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from bench.corpus_gen import Corpus, Spec
from bench.sandbox import mb, rate


def squash(text: str) -> str:
    return "".join(text.split())


@dataclass(slots=True)
class ParseResult:
    seconds: float
    per_message: list[float]
    raised: list[tuple[str, str]] = field(default_factory=list)
    failures: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    checked: Counter[str] = field(default_factory=Counter)
    defects: Counter[str] = field(default_factory=Counter)
    with_defects: int = 0


def check_parse(spec: Spec, parsed: Any, result: ParseResult) -> None:
    """Does the parse show what the generator put in? Wrong text is a bug, however fast."""

    def check(name: str, ok: bool, detail: str) -> None:
        result.checked[name] += 1
        if not ok:
            result.failures[name].append(f"{spec.name} ({spec.charset}, {spec.style}): {detail}")

    check(
        "message-id",
        parsed.message_id == spec.message_id,
        f"{parsed.message_id!r} != {spec.message_id!r}",
    )
    check(
        "subject",
        " ".join(parsed.subject.split()) == " ".join(spec.subject.split()),
        f"{parsed.subject!r} != {spec.subject!r}",
    )
    text = squash(parsed.text)
    missing = [e for e in spec.expect_text if squash(e) not in text]
    check("body text", not missing, f"missing {missing[0][:60]!r}" if missing else "")
    if spec.forbid_text:
        leaked = [f for f in spec.forbid_text if f in parsed.text]
        check("no script/style in text", not leaked, f"leaked {leaked}")
    if spec.attachment_sizes:
        sizes = Counter(a.size for a in parsed.attachments)
        sizes.subtract(Counter(spec.attachment_sizes))
        check(
            "attachments",
            all(v >= 0 for v in sizes.values()),
            f"sizes {sorted(a.size for a in parsed.attachments)} "
            f"!⊇ {sorted(spec.attachment_sizes)}",
        )
    if parsed.defects:
        result.with_defects += 1
        for d in parsed.defects:
            result.defects[d.split(":", 1)[0] if "header" in d else d[:70]] += 1


def measure_parse(corpus: Corpus, raws: list[bytes]) -> ParseResult:
    """Time every parse_message call on in-memory bytes; check results outside the clock."""
    from gateway.pipeline.parse.message import parse_message

    parse_message(raws[0])  # warm-up: mail-parser is imported on the first call
    result = ParseResult(0.0, [])
    for spec, raw in zip(corpus.specs, raws, strict=True):
        started = time.perf_counter()
        try:
            parsed = parse_message(raw)
        except Exception as exc:  # noqa: BLE001 - the parser promises never to raise
            result.per_message.append(time.perf_counter() - started)
            result.raised.append((spec.name, f"{type(exc).__name__}: {exc}"))
            continue
        result.per_message.append(time.perf_counter() - started)
        check_parse(spec, parsed, result)
    result.seconds = sum(result.per_message)
    return result


def report_parse(corpus: Corpus, res: ParseResult) -> None:
    n = len(corpus.specs)
    print(
        f"(a) parse only: {n} messages in {res.seconds:.2f} s = "
        f"{rate(n, res.seconds):.1f} msg/s (file reading and first-call import excluded)"
    )
    if res.raised:
        print(
            f"    BUG: parse_message raised on {len(res.raised)} message(s) "
            f"(it promises never to): {res.raised[:3]}"
        )
    print(
        "    decode checks: "
        + ", ".join(
            f"{name} {c - len(res.failures.get(name, []))}/{c}" for name, c in res.checked.items()
        )
    )
    for name, fails in res.failures.items():
        if fails:
            print(f"    MISMATCH {name}: {len(fails)}, e.g.")
            for line in fails[:4]:
                print(f"      {line}")
    print(
        f"    messages with parser defects: {res.with_defects}"
        + (f"; most common: {res.defects.most_common(3)}" if res.defects else "")
    )
    groups: dict[str, list[float]] = defaultdict(list)
    for spec, t in zip(corpus.specs, res.per_message, strict=True):
        groups[f"{spec.kind}/{spec.charset}/{spec.style}"].append(t)
        groups["· with attachments" if spec.attachment_sizes else "· without attachments"].append(t)
    print("    ms per message by group (mean / max, busiest first):")
    ranked = sorted(groups.items(), key=lambda kv: -sum(kv[1]))
    for key, times in ranked[:10]:
        print(
            f"      {key:<38} n={len(times):<5} {1000 * statistics.fmean(times):7.2f} "
            f"/ {1000 * max(times):7.1f}   ({100 * sum(times) / res.seconds:4.1f} % of time)"
        )
    worst = sorted(zip(res.per_message, corpus.specs, strict=True), key=lambda x: -x[0])[:3]
    print(
        "    slowest: " + ", ".join(f"{s.name} {1000 * t:.0f} ms ({mb(s.size)})" for t, s in worst)
    )
