"""Code search and suggestions over the full ICD-10-CM set, through `code_search` and
`suggest`, the functions the API and `medoffice codes` call.

The benchmark practice gets the ICD-10-CM release of simple-icd-10-cm (loaded once
into the benchmark database; the time is reported the run it happens) and 300
codes with usage counts, so each search also reads favourites and usage as in
production. Queries are drawn deterministically (seeded) from the code titles:

- code prefix: 3 to 6 characters of a billable code ("E11", "S72.00");
- words: one to three words of a title, shuffled, the last one maybe unfinished;
- synonym: a key of the synonym table ("heart attack", "uti");
- typo: a title word of 6+ letters with two neighbours swapped or a letter dropped.

Search p50/p95 are in milliseconds (target: p50 under 30 ms). Suggestion accuracy is
top-1 and top-5 on bench/data/suggest_set.tsv (dev: phrasings used while writing the
ranking; test: held out, never tuned on).
"""

import random
import statistics
import time
from pathlib import Path

from medoffice.coding import services
from medoffice.coding.models import CodeSetRelease, CodeSystem, CodeUsage
from medoffice.coding.search import STOP_WORDS, code_search, index_for, words_of
from medoffice.coding.suggest import suggest
from medoffice.coding.synonyms import SYNONYMS

WRITES = True  # loads the code set into the benchmark database the first time
TARGETS = {"search_p50_ms": ("<=", 30), "search_p95_ms": ("<=", 60)}
SET = Path(__file__).parent / "data" / "suggest_set.tsv"


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))]


def _release() -> tuple[CodeSetRelease, float | None]:
    release = (
        CodeSetRelease.objects.filter(system=CodeSystem.ICD10CM).order_by("-effective_from").first()
    )
    if release is not None:
        return release, None
    started = time.perf_counter()
    release = services.icd10_release_load().release
    return release, round(time.perf_counter() - started, 1)


def _typo(rng: random.Random, word: str) -> str:
    i = rng.randrange(1, len(word) - 1)
    if rng.random() < 0.5:
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    return word[:i] + word[i + 1 :]


def _queries(index, rng: random.Random, per_kind: int) -> list[tuple[str, str]]:
    billable = [e for e in index.entries if e.billable]
    queries = []
    for _ in range(per_kind):
        entry = rng.choice(billable)
        queries.append(("code_prefix", entry.display[: rng.randint(3, min(6, len(entry.display)))]))
    for _ in range(per_kind):
        words = [w for w in words_of(rng.choice(billable).description) if w not in STOP_WORDS]
        chosen = rng.sample(words, k=min(len(words), rng.randint(1, 3)))
        if rng.random() < 0.3 and len(chosen[-1]) > 4:
            chosen[-1] = chosen[-1][: rng.randint(3, len(chosen[-1]) - 1)]
        queries.append(("words", " ".join(chosen)))
    keys = sorted(SYNONYMS)
    for _ in range(per_kind):
        queries.append(("synonym", rng.choice(keys)))
    for _ in range(per_kind):
        words = [w for w in words_of(rng.choice(billable).description) if len(w) >= 6]
        if words:
            queries.append(("typo", _typo(rng, rng.choice(words))))
    rng.shuffle(queries)
    return queries


def _labelled() -> list[tuple[str, str, set[str]]]:
    rows = []
    for line in SET.read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            split, text, codes = line.split("\t")
            rows.append((split, text, {c.replace(".", "") for c in codes.split()}))
    return rows


def run(*, practice_id: int, size: int, quick: bool, seed: int) -> dict:
    rng = random.Random(seed)  # noqa: S311
    release, load_s = _release()
    started = time.perf_counter()
    index = index_for(release)
    figures: dict = {
        "codes": index.size,
        "billable": len(index.billable),
        "load_s": load_s,
        "index_build_s": round(time.perf_counter() - started, 2),
    }
    if not CodeUsage.objects.filter(practice_id=practice_id).exists():
        for entry in rng.sample([e for e in index.entries if e.billable], 300):
            services.code_usage_record(
                practice=practice_id, system=CodeSystem.ICD10CM, code=entry.code,
                times=rng.randint(1, 500),
            )  # fmt: skip
    per_kind = 100 if quick else 500
    queries = _queries(index, rng, per_kind)
    for _kind, text in queries[:30]:  # warm-up
        code_search(practice_id=practice_id, query=text)
    times: dict[str, list[float]] = {}
    empty = 0
    for kind, text in queries:
        began = time.perf_counter()
        outcome = code_search(practice_id=practice_id, query=text, limit=20)
        times.setdefault(kind, []).append((time.perf_counter() - began) * 1000)
        empty += not outcome.hits
    every = [t for kind_times in times.values() for t in kind_times]
    figures["queries"] = len(every)
    figures["search_p50_ms"] = round(statistics.median(every), 2)
    figures["search_p95_ms"] = round(_percentile(every, 0.95), 2)
    figures["search_max_ms"] = round(max(every), 2)
    for kind, kind_times in sorted(times.items()):
        figures[f"{kind}_p50_ms"] = round(statistics.median(kind_times), 2)
    figures["no_result_pct"] = round(100 * empty / len(every), 1)
    suggest_times = []
    for split in ("dev", "test"):
        rows = [r for r in _labelled() if r[0] == split]
        top1 = top5 = 0
        for _split, text, wanted in rows:
            began = time.perf_counter()
            got = [s.code for s in suggest(index, text, limit=5)]
            suggest_times.append((time.perf_counter() - began) * 1000)
            top1 += bool(got) and got[0] in wanted
            top5 += bool(wanted & set(got))
        figures[f"suggest_{split}_n"] = len(rows)
        figures[f"suggest_{split}_top1_pct"] = round(100 * top1 / len(rows), 1)
        figures[f"suggest_{split}_top5_pct"] = round(100 * top5 / len(rows), 1)
    figures["suggest_p50_ms"] = round(statistics.median(suggest_times), 2)
    return figures
