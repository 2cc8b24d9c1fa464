"""Output files written whole or not at all: a temporary name beside the target, then a rename.

A reader (an official opening the file, a mail client attaching it) either sees the previous
file or the complete new one, never a half-written workbook. A target that is open in Excel
(Windows locks it) or not writable gives one Chinese message naming the file.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator
from pathlib import Path

from mujun.errors import MujunError


class OutputError(MujunError):
    """An output file cannot be written; whoever runs mujun can fix it (close it, free it)."""

    @classmethod
    def locked(cls, path: Path, reason: str) -> OutputError:
        """The target (or its folder) is open in another program or not writable."""
        return cls(
            f"文件被占用，请关闭 Excel 后重试：{path}\n"
            f"（{reason}；原文件未改动。若文件未打开，请检查该文件夹是否可写。）"
        )

    @classmethod
    def unwritable(cls, path: Path, reason: str) -> OutputError:
        """Any other failure of the file system while writing."""
        return cls(
            f"无法写入文件：{path}\n（{reason}；原文件未改动。请检查磁盘空间、路径和文件夹权限。）"
        )


@contextlib.contextmanager
def atomic_path(path: str | Path, /) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success it replaces ``path`` in one rename.

    On any error the temporary file is removed and ``path`` is left as it was.

    Raises:
        OutputError: the folder or the target is not writable (PermissionError), e.g. the
            workbook is open in Excel, or the file system refused the write (OSError).
    """
    target = Path(path)
    # NOTE: same folder so the rename stays on one file system (a rename is atomic there);
    # the suffix is kept so writers that choose a format by extension still see it.
    temp = target.with_name(f".~{target.stem}.{uuid.uuid4().hex[:8]}.tmp{target.suffix}")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        yield temp
        temp.replace(target)
    except PermissionError as exc:
        raise OutputError.locked(target, exc.strerror or type(exc).__name__) from exc
    except OSError as exc:  # disk full, path too long, a folder where the file should be ...
        raise OutputError.unwritable(target, exc.strerror or str(exc)) from exc
    finally:
        temp.unlink(missing_ok=True)


def write_text(path: str | Path, text: str, /) -> Path:
    """Write UTF-8 text whole or not at all; return the path."""
    with atomic_path(path) as temp:
        temp.write_text(text, encoding="utf-8")
    return Path(path)
