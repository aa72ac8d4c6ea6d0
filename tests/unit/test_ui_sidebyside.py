"""Side-by-side rows for the UI's backup and template diffs."""

from __future__ import annotations

from netraven.service.ui.sidebyside import Row, side_by_side


def test_a_changed_line_sits_beside_its_old_self_with_context_and_folds() -> None:
    old = "".join(f"line {n}\n" for n in range(1, 21))
    new = old.replace("line 10\n", "line ten\n")
    rows = side_by_side(old, new)
    assert rows[0] == Row("skip", skipped=6)  # lines 1-6 folded, 7-9 kept as context
    assert [(r.kind, r.old_no, r.new_no) for r in rows[1:4]] == [("same", n, n) for n in (7, 8, 9)]
    assert rows[4] == Row("changed", 10, "line 10", 10, "line ten")
    assert [r.old_no for r in rows[5:8]] == [11, 12, 13]
    assert rows[8] == Row("skip", skipped=7)
    assert len(rows) == 9


def test_added_and_removed_lines_keep_both_sides_numbers() -> None:
    rows = side_by_side("a\nb\nc\n", "a\nc\nd\ne\n")
    assert [(r.kind, r.old_no, r.old, r.new_no, r.new) for r in rows] == [
        ("same", 1, "a", 1, "a"),
        ("removed", 2, "b", None, None),
        ("same", 3, "c", 2, "c"),
        ("added", None, None, 3, "d"),
        ("added", None, None, 4, "e"),
    ]


def test_a_replaced_block_of_unequal_length_pairs_then_adds() -> None:
    rows = side_by_side("x\nold1\ny\n", "x\nnew1\nnew2\ny\n")
    assert [(r.kind, r.old, r.new) for r in rows] == [
        ("same", "x", "x"),
        ("changed", "old1", "new1"),
        ("added", None, "new2"),
        ("same", "y", "y"),
    ]


def test_identical_and_empty_texts() -> None:
    assert side_by_side("", "") == []
    assert side_by_side("one\n", "one\n") == [Row("same", 1, "one", 1, "one")]
    assert side_by_side("a\nb\nc\n", "a\nb\nc\n") == [Row("skip", skipped=3)]
    assert [r.kind for r in side_by_side("", "new\n")] == ["added"]
