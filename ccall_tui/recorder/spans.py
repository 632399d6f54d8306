"""Time spans (start, end) in Unix seconds: intersections, differences and per-cell sums."""

from __future__ import annotations

from collections.abc import Sequence

Span = tuple[float, float]


def clip(spans: Sequence[Span], start: float, end: float) -> list[Span]:
    out = []
    for a, b in spans:
        a, b = max(a, start), min(b, end)
        if b > a:
            out.append((a, b))
    return out


def merge(spans: Sequence[Span]) -> list[Span]:
    out: list[Span] = []
    for a, b in sorted(spans):
        if out and a <= out[-1][1]:
            if b > out[-1][1]:
                out[-1] = (out[-1][0], b)
        elif b > a:
            out.append((a, b))
    return out


def intersect(left: Sequence[Span], right: Sequence[Span]) -> list[Span]:
    """Both sorted, non-overlapping."""
    out: list[Span] = []
    i = j = 0
    while i < len(left) and j < len(right):
        a = max(left[i][0], right[j][0])
        b = min(left[i][1], right[j][1])
        if b > a:
            out.append((a, b))
        if left[i][1] < right[j][1]:
            i += 1
        else:
            j += 1
    return out


def subtract(spans: Sequence[Span], holes: Sequence[Span]) -> list[Span]:
    """``spans`` minus ``holes`` (both sorted, non-overlapping)."""
    out: list[Span] = []
    j = 0
    for a, b in spans:
        start = a
        while j < len(holes) and holes[j][1] <= start:
            j += 1
        k = j
        while k < len(holes) and holes[k][0] < b:
            ha, hb = holes[k]
            if ha > start:
                out.append((start, ha))
            start = max(start, hb)
            k += 1
        if b > start:
            out.append((start, b))
    return out


def total(spans: Sequence[Span]) -> float:
    return float(sum(b - a for a, b in spans))


def per_cell(spans: Sequence[Span], start: float, end: float, cells: int) -> list[float]:
    """Seconds of ``spans`` (sorted, non-overlapping) inside each of ``cells`` equal slices."""
    width = (end - start) / cells
    sums = [0.0] * cells
    for a, b in spans:
        a, b = max(a, start), min(b, end)
        if b <= a:
            continue
        first = min(int((a - start) // width), cells - 1)
        last = min(int((b - start) // width), cells - 1)
        for cell in range(first, last + 1):
            lo = start + cell * width
            hi = lo + width if cell < cells - 1 else end
            overlap = min(b, hi) - max(a, lo)
            if overlap > 0:
                sums[cell] += overlap
    return sums
