"""Two texts as side-by-side rows, changed runs with a little context around them.

``difflib.HtmlDiff`` writes its own table with inline styles and no header cells; the UI
needs rows it can render accessibly (the change is a word in a column, not a colour) under
a Content-Security-Policy without inline styles, so the rows are computed here.
"""

from __future__ import annotations

from dataclasses import dataclass
from difflib import SequenceMatcher
from itertools import zip_longest

__all__ = ["Row", "side_by_side"]

CONTEXT = 3


@dataclass(frozen=True)
class Row:
    kind: str  # "same", "changed", "removed", "added" or "skip" (N unchanged lines folded)
    old_no: int | None = None
    old: str | None = None
    new_no: int | None = None
    new: str | None = None
    skipped: int = 0


def side_by_side(old: str, new: str, context: int = CONTEXT) -> list[Row]:
    a, b = old.splitlines(), new.splitlines()
    rows: list[Row] = []
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            rows.extend(_equal(a, i1, i2, j1, context, first=not rows, last=i2 == len(a)))
            continue
        pairs = zip_longest(range(i1, i2), range(j1, j2))
        for i, j in pairs:
            kind = (
                "changed"
                if i is not None and j is not None
                else ("removed" if i is not None else "added")
            )
            rows.append(
                Row(
                    kind,
                    None if i is None else i + 1,
                    None if i is None else a[i],
                    None if j is None else j + 1,
                    None if j is None else b[j],
                )
            )
    return rows


def _equal(
    a: list[str], i1: int, i2: int, j1: int, context: int, *, first: bool, last: bool
) -> list[Row]:
    def same(i: int) -> Row:
        return Row("same", i + 1, a[i], j1 + (i - i1) + 1, a[i])

    keep_head = 0 if first else context
    keep_tail = 0 if last else context
    if i2 - i1 <= keep_head + keep_tail + 1:
        return [same(i) for i in range(i1, i2)]
    rows = [same(i) for i in range(i1, i1 + keep_head)]
    rows.append(Row("skip", skipped=i2 - i1 - keep_head - keep_tail))
    rows.extend(same(i) for i in range(i2 - keep_tail, i2))
    return rows
