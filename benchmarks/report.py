"""The benchmark report: a markdown header of machine facts and one table of rows."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from .registry import target_met

COLUMNS = ("benchmark", "size", "time [ms]", "reference [ms]", "ratio", "target", "met", "note")


def _ms(value: float) -> str:
    if value != value:  # nan
        return "nan"
    if value >= 100:
        return f"{value:.1f}"
    if value >= 1:
        return f"{value:.3f}"
    return f"{value:.4f}"


def _cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def format_row(row: Mapping) -> list[str]:
    if row.get("skipped"):
        return [row["benchmark"], row["size"], "n/a", "n/a", "n/a", row["target"], "skipped", row["note"]]
    met = target_met(row["ratio"], row["target"])
    return [
        row["benchmark"],
        row["size"],
        _ms(row["time"]),
        _ms(row["reference"]),
        f"{row['ratio']:.2f}",
        row["target"],
        "" if met is None else ("yes" if met else "**NO**"),
        row["note"],
    ]


def table(rows: Sequence[Mapping]) -> str:
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "|".join("---" for _ in COLUMNS) + "|"]
    for row in rows:
        lines.append("| " + " | ".join(_cell(c) for c in format_row(row)) + " |")
    return "\n".join(lines)


def render(rows: Sequence[Mapping], facts: Mapping[str, str], quick: bool,
           errors: Sequence[str] = (), warnings: Sequence[str] = ()) -> str:
    """The whole report as markdown."""
    mode = "quick (`--quick`)" if quick else "full"
    parts = ["# Benchmarks", "", f"Mode: {mode}. Times are the best of interleaved repeats after a "
             "warm-up; ratio = time / reference.", ""]
    parts += [f"- {label}: {value}" for label, value in facts.items()]
    parts += [f"- **warning**: {w}" for w in warnings]
    parts += ["", table(rows)]
    if errors:
        parts += ["", "Errors:", ""] + [f"- {e}" for e in errors]
    return "\n".join(parts) + "\n"

