"""CSV text: its encoding decided over the whole file, its delimiter and width from its data.

Encoding: UTF-16 only with its byte-order mark; else UTF-8 (with or without BOM) when the
whole file is valid UTF-8; else GB18030 (a superset of GBK) when the whole file is valid
GB18030 and no line of it is valid UTF-8 text — a GBK file with UTF-8 lines appended (or the
reverse) would read as mojibake either way, so it is refused with the lines named.

Delimiter: Excel's ``sep=;`` first line when present; else the one of comma, tab, semicolon
and bar that splits the most of the first lines into the same number (≥ 2) of fields. Width:
the widest line, never line 1 (a title line has one field). A row with more fields than the
header row (an unquoted thousands separator, ``1,234``) is flagged so that it is rejected
whole, never read with its columns shifted.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from mujun.ingest._formats import refuse

_SEPARATORS = (",", "\t", ";", "|")
_SAMPLE_LINES = 200
_NAMED_LINES = 5
_CHINESE = (
    r"\u4e00-\u9fff\u3400-\u4dbf\u3000-\u303f\uff00-\uffef\u2000-\u206f"
    r"\u00b7\u00b2\u00b3\u2103\u00d7"
)
"""Characters of Chinese text beyond ASCII (ideographs, punctuation, full-width forms, ², ℃)."""


@dataclass(frozen=True)
class CsvTable:
    """A CSV file as a text grid (``c0 … cN``) and what was decided reading it."""

    grid: pl.DataFrame
    encoding: str
    separator: str
    first_row: int
    """File line of the grid's first row (2 after a ``sep=`` line)."""
    rejected: dict[int, str] = field(default_factory=dict)
    """Grid row → why the whole row is not read."""
    notes: tuple[str, ...] = ()


def read_csv(path: Path) -> CsvTable:
    """Read a CSV file strictly (see the module docstring).

    Raises:
        DataError: an encoding that is mixed or unknown, named with the lines concerned.
    """
    raw = path.read_bytes()
    body, encoding = _decode(raw, path)
    del raw
    notes: list[str] = []
    if b"\n" not in body and b"\r" in body:  # classic Mac line ends: CR only
        body = body.replace(b"\r", b"\n")
    first_row = 1
    first_line = body.split(b"\n", 1)[0].decode("utf-8").strip()
    separator = None
    if first_line.lower().startswith("sep=") and len(first_line) == 5:
        separator = first_line[4]
        body = body[body.find(b"\n") + 1 :] if b"\n" in body else b""
        first_row = 2
        notes.append(f"首行“{first_line}”是 Excel 的分隔符声明，已按“{separator}”分隔读取")
    sample = _sample(body[: 1 << 16].decode("utf-8", "ignore"))
    if separator is None:
        separator = _separator(sample)
    widths = [len(r) for r in csv.reader(sample, delimiter=separator)]
    header_width = _header_width(sample, separator) or max(widths, default=1)
    if not body.strip():
        grid = pl.DataFrame(schema={"c0": pl.String})
    else:
        grid = _grid(body, separator, max(widths, default=1))
    rejected, more = _too_wide(grid, header_width, separator)
    notes.extend(more)
    if encoding != "UTF-8":
        notes.append(f"文件编码：{encoding}")
    return CsvTable(grid, encoding, separator, first_row, rejected, tuple(notes))


def _grid(body: bytes, separator: str, width: int) -> pl.DataFrame:
    """All fields of every line, as wide as the widest line.

    A padding first line makes Polars allocate the width; when a line is wider than the
    sample's widest, the width is counted over the whole file.
    """
    try:
        frame = _parse(body, separator, width, ragged=False)
    except pl.exceptions.ComputeError:
        sep = separator.encode()
        width = max(line.count(sep) for line in body.split(b"\n")) + 1
        frame = _parse(body, separator, width, ragged=True)
    return frame.slice(1).rename({c: f"c{i}" for i, c in enumerate(frame.columns)})


def _parse(body: bytes, separator: str, width: int, *, ragged: bool) -> pl.DataFrame:
    padding = (separator * (width - 1) + "\n").encode()
    return pl.read_csv(padding + body, has_header=False, infer_schema=False,
                       separator=separator, truncate_ragged_lines=ragged)  # fmt: skip


def _decode(raw: bytes, path: Path) -> tuple[bytes, str]:
    """The file as UTF-8 bytes (without BOM) and the encoding it was in."""
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff"):
        try:
            return raw.decode("utf-16").encode("utf-8"), "UTF-16"
        except UnicodeDecodeError:
            raise refuse(path, "文件以 UTF-16 标记开头，但内容不是有效的 UTF-16 文本",
                         "用 Excel 另存为“CSV UTF-8（逗号分隔）”后再导入。") from None  # fmt: skip
    head = raw[:4096]
    if head.count(0) * 4 >= len(head):  # UTF-16 without its mark: every other byte is 0
        encoding = "utf-16-le" if head[1::2].count(0) > head[0::2].count(0) else "utf-16-be"
        try:
            return raw.decode(encoding).encode("utf-8"), "UTF-16（无字节序标记）"
        except UnicodeDecodeError:
            raise refuse(path, "文件含大量空字节，像是 UTF-16 文本，但不是有效的 UTF-16",
                         "用 Excel 另存为“CSV UTF-8（逗号分隔）”后再导入。") from None  # fmt: skip
    try:
        raw.decode("utf-8")  # NOTE: validates the whole file; the text is not kept (memory)
        return (raw[3:] if raw.startswith(b"\xef\xbb\xbf") else raw), "UTF-8"
    except UnicodeDecodeError as exc:
        first_bad = raw.count(b"\n", 0, exc.start) + 1
    utf8_lines = _utf8_lines(raw)
    if utf8_lines:
        named = "、".join(str(n) for n in utf8_lines[:_NAMED_LINES])
        more = f" 等 {len(utf8_lines)} 行" if len(utf8_lines) > _NAMED_LINES else ""
        raise refuse(
            path,
            f"文件混用了两种编码：第 {first_bad} 行等不是 UTF-8（应是 GBK/GB18030），"
            f"第 {named} 行{more}却是 UTF-8；无论按哪种编码读取都会有乱码",
            "用记事本或 WPS 打开，核对这些行的文字后整体另存为 UTF-8 编码的 CSV，再导入。",
        )
    parts = []
    lines_before = 0
    for chunk in _chunks(raw):
        try:
            parts.append(chunk.decode("gb18030").encode("utf-8"))
        except UnicodeDecodeError as exc:
            line = lines_before + chunk.count(b"\n", 0, exc.start) + 1
            raise refuse(
                path,
                f"无法识别文件编码：既不是 UTF-8（第 {first_bad} 行起无效），也不是 GBK/GB18030"
                f"（第 {line} 行无效）",
                "用 Excel 或 WPS 打开后另存为“CSV UTF-8（逗号分隔）”再导入。",
            ) from None
        lines_before += chunk.count(b"\n")
    return b"".join(parts), "GB18030（GBK）"


def _chunks(raw: bytes, size: int = 1 << 24) -> Iterator[bytes]:
    """``raw`` in pieces of about ``size`` bytes, each ending at a line end.

    A 16 MB piece is decoded at a time instead of the whole file as one Python string (memory);
    a line end never falls inside a UTF-8 or GB18030 character.
    """
    start = 0
    while start < len(raw):
        end = raw.find(b"\n", min(start + size, len(raw) - 1))
        end = len(raw) if end < 0 else end + 1
        yield raw[start:end]
        start = end


def _utf8_lines(raw: bytes) -> list[int]:
    """Line numbers of lines that are valid UTF-8 holding non-ASCII text."""
    found: list[int] = []
    lines_before = 0
    for chunk in _chunks(raw):
        lines = pl.Series("line", [chunk.decode("utf-8", errors="replace")]).str.split("\n")
        frame = lines.explode().to_frame().with_row_index("n", offset=lines_before + 1)
        # NOTE: only lines whose non-ASCII characters are all Chinese text (CJK ideographs,
        # Chinese and full-width punctuation) count: a short GBK line can be valid UTF-8 by
        # chance, but then decodes to Latin, Greek or Cyrillic letters.
        hits = frame.filter(
            pl.col("line").str.contains(r"[^\x00-\x7f]")
            & pl.col("line").str.contains(f"^[\\x00-\\x7f{_CHINESE}]*$")
        )
        found.extend(hits.get_column("n").to_list())
        lines_before += chunk.count(b"\n")
    return found


def _sample(text: str) -> list[str]:
    out = []
    for line in io.StringIO(text):
        if line.strip():
            out.append(line)
        if len(out) >= _SAMPLE_LINES:
            break
    return out


def _separator(sample: list[str]) -> str:
    """The delimiter that splits most sample lines into one common width of 2 or more."""
    best, best_score = ",", 0
    for sep in _SEPARATORS:
        widths = [len(r) for r in csv.reader(sample, delimiter=sep)]
        counts: dict[int, int] = {}
        for w in widths:
            if w >= 2:
                counts[w] = counts.get(w, 0) + 1
        score = max(counts.values(), default=0)
        if score > best_score:
            best, best_score = sep, score
    return best


def _header_width(sample: list[str], separator: str) -> int | None:
    """Fields of the first line that looks like a header.

    Two or more texts, no number, and not only ``key：value`` cells (a condition line such
    as ``管理机关：…,金额单位：元``).
    """
    for row in csv.reader(sample[:30], delimiter=separator):
        cells = [c.strip() for c in row]
        filled = [c for c in cells if c]
        if len(filled) < 2 or any(_is_number(c) for c in filled):
            continue
        if all(":" in c or "：" in c for c in filled):
            continue
        while cells and not cells[-1]:
            cells.pop()
        return len(cells)
    return None


def _is_number(cell: str) -> bool:
    try:
        float(cell.replace(",", ""))
    except ValueError:
        return False
    return True


def _too_wide(
    grid: pl.DataFrame, header_width: int, separator: str
) -> tuple[dict[int, str], list[str]]:
    """Rows with fields beyond the header's last column, to be rejected whole.

    When every row of the table is wider by the same count and the extra fields do not look
    like the rest of a number split at a thousands separator, the header simply lacks names
    for its last columns (those are left unread and said); otherwise a wider row is a row
    whose fields slipped (an unquoted ``1,234``).
    """
    extra = grid.columns[header_width:]
    if not extra:
        return {}, []
    last = pl.max_horizontal(
        pl.when(pl.col(c).is_not_null()).then(pl.lit(i + 1)) for i, c in enumerate(grid.columns)
    )
    widths = grid.select(
        last.alias("width"),
        pl.sum_horizontal(pl.col(grid.columns).is_not_null().cast(pl.Int32)).alias("n"),
    ).with_row_index("_i")
    table = widths.filter(pl.col("n") >= 2)
    wide = table.filter(pl.col("width") > header_width)
    rest = table.height - wide.height
    split = grid.select(
        pl.col(grid.columns[header_width - 1]).str.contains(r"^-?\(?\d{1,3}$")
        & pl.col(extra[0]).str.contains(r"^\d{3}(\.\d*)?\)?$")
    ).to_series()
    looks_split = int(split.fill_null(False).sum()) * 2 >= max(1, wide.height)
    if wide.height and rest <= 1 and wide.get_column("width").n_unique() == 1 and not looks_split:
        width = int(wide.item(0, "width"))
        return {}, [f"表头只有 {header_width} 列，但每行都有 {width} 列：多出的列没有表头，未读取"]
    hint = "很可能是未加引号的千位分隔符（如 1,234）" if separator == "," else "多了分隔符"
    return {
        i: f"该行有 {n} 个非空字段，多于表头的 {header_width} 列：{hint}；为免错列，整行不读取"
        for i, _, n in wide.iter_rows()
    }, []
