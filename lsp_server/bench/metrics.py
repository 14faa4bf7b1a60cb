"""Per-task quality metrics and summary statistics."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence

from lsp_server.postprocess.parse_check import count_errors
from lsp_server.syntax.languages import new_parser


def normalise(text: str) -> str:
    return " ".join(text.split())


def exact_match(prediction: str, reference: str) -> bool:
    """Equal up to whitespace."""
    return normalise(prediction) == normalise(reference)


def levenshtein(a: str, b: str) -> int:
    if len(a) < len(b):
        a, b = b, a
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        current = [i]
        for j, cb in enumerate(b, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def edit_similarity(prediction: str, reference: str) -> float:
    """1 - Levenshtein distance / longer length, on whitespace-normalised text."""
    a, b = normalise(prediction), normalise(reference)
    if not a and not b:
        return 1.0
    return 1.0 - levenshtein(a, b) / max(len(a), len(b))


def syntax_errors(language: str, text: str) -> int | None:
    """ERROR + MISSING nodes in `text`; None when the language has no grammar."""
    parser = new_parser(language)
    if parser is None:
        return None
    return count_errors(parser.parse(text.encode("utf-8", "surrogatepass")).root_node)


def syntax_valid(
    language: str, prefix: str, prediction: str, reference: str, suffix: str
) -> bool | None:
    """The document with the prediction has no more errors than with the reference."""
    got = syntax_errors(language, prefix + prediction + suffix)
    want = syntax_errors(language, prefix + reference + suffix)
    if got is None or want is None:
        return None
    return got <= want


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100), nearest-rank; NaN for no values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def identifier_match(prediction: str, names: tuple[str, ...]) -> float:
    """The share of `names` (those the reference uses from other files) that the
    prediction uses as whole identifiers."""
    if not names:
        return 0.0
    found = set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", prediction))
    return sum(name in found for name in names) / len(names)


def chrf(prediction: str, reference: str, order: int = 6, beta: float = 2.0) -> float:
    """chrF (Popović 2015): the F-score of character n-grams (n = 1..`order`, spaces
    dropped), recall weighted `beta` times precision; 1.0 for two empty texts."""
    hyp, ref = prediction.replace(" ", ""), reference.replace(" ", "")
    if not hyp and not ref:
        return 1.0
    precisions, recalls = [], []
    for n in range(1, order + 1):
        grams_h = Counter(hyp[i : i + n] for i in range(len(hyp) - n + 1))
        grams_r = Counter(ref[i : i + n] for i in range(len(ref) - n + 1))
        if not grams_h or not grams_r:
            continue
        common = sum((grams_h & grams_r).values())
        precisions.append(common / sum(grams_h.values()))
        recalls.append(common / sum(grams_r.values()))
    if not precisions:
        return 0.0
    p, r = sum(precisions) / len(precisions), sum(recalls) / len(recalls)
    if p + r == 0:
        return 0.0
    return (1 + beta**2) * p * r / (beta**2 * p + r)
