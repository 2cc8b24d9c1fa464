"""What a file really is, from its name and first bytes, never from its extension alone.

``PK`` is a zip (an .xlsx only when it holds ``xl/workbook.xml``), ``D0 CF 11 E0`` an OLE
compound file (an .xls: a ``Workbook`` stream is BIFF8, Excel 97 and later; a ``Book`` stream is
BIFF5, Excel 5.0/95, whose 8-bit strings calamine cannot decode), ``<`` an Excel 2003 XML
workbook or an HTML table saved as .xls, anything else CSV text. Files that are not tables at
all (a PDF, a Word document, a picture, an Excel lock file ``~$…``) are refused with a message
in Chinese naming the file.
"""

from __future__ import annotations

import struct
import zipfile
from pathlib import Path

from mujun.errors import DataError

_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_HTML = (b"<html", b"<!doctype", b"<table", b"<?xml", b"<meta", b"<head", b"<body", b"<style")
_NOT_TABLES = (
    (b"%PDF", "这是 PDF 文件，不是 Excel 表格或 CSV 文件",
     "请向报送部门索取 Excel（.xlsx）或 CSV 格式的原始数据；PDF 中的表格无法可靠读取。"),
    (b"\x89PNG", "这是图片（PNG），不是表格", "请提供 Excel（.xlsx）或 CSV 格式的数据。"),
    (b"\xff\xd8\xff", "这是图片（JPEG），不是表格", "请提供 Excel（.xlsx）或 CSV 格式的数据。"),
    (b"GIF8", "这是图片（GIF），不是表格", "请提供 Excel（.xlsx）或 CSV 格式的数据。"),
    (b"Rar!", "这是 RAR 压缩包，不是表格", "请先解压，再导入其中的 Excel 或 CSV 文件。"),
    (b"7z\xbc\xaf", "这是 7z 压缩包，不是表格", "请先解压，再导入其中的 Excel 或 CSV 文件。"),
    (b"\x1f\x8b", "这是 gzip 压缩文件，不是表格", "请先解压，再导入其中的 Excel 或 CSV 文件。"),
)  # fmt: skip


def refuse(path: Path, reason: str, hint: str) -> DataError:
    """A file mujun will not read, in the words an official reads."""
    return DataError(f"无法读取 {path}：{reason}。\n提示：{hint}")


def head(path: Path, size: int = 4096) -> bytes:
    """The first ``size`` bytes of a file."""
    with path.open("rb") as handle:
        return handle.read(size)


def sniff(path: Path) -> str:
    """``xlsx``, ``xls`` (BIFF8), ``xls5`` (BIFF5), ``xml2003``, ``html`` or ``csv``.

    Raises:
        DataError: an Excel lock file, or a file that is not a table (PDF, picture, archive,
            Word document, password-protected workbook), named and explained.
    """
    if path.name.startswith("~$"):
        raise refuse(
            path,
            f"该工作簿正在 Excel 中打开——“{path.name}”是 Excel 打开“{path.name[2:]}”时生成的"
            "临时锁定文件，不含数据",
            f"关闭 Excel 后导入原文件“{path.name[2:]}”（不带 ~$ 前缀）。",
        )
    first = head(path)
    for magic, reason, hint in _NOT_TABLES:
        if first.startswith(magic):
            raise refuse(path, reason, hint)
    if first.startswith(b"PK"):
        return _zip_kind(path)
    if first.startswith(_OLE):
        return _ole_kind(path)
    text = first.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if b"urn:schemas-microsoft-com:office:spreadsheet" in text and b"<html" not in text:
        return "xml2003"
    if text.startswith(_HTML):
        return "html"
    return "csv"


def _zip_kind(path: Path) -> str:
    try:
        with zipfile.ZipFile(path) as book:
            names = set(book.namelist())
            mimetype = book.read("mimetype").decode("ascii", "replace") if (
                "mimetype" in names) else ""  # fmt: skip
    except zipfile.BadZipFile:
        return "xlsx"  # a damaged workbook: the reader reports what is wrong with it
    if "xl/workbook.xml" in names or any(n.lower() == "xl/workbook.xml" for n in names):
        return "xlsx"
    if "word/document.xml" in names:
        raise refuse(
            path, "这是 Word 文档（.docx），不是表格", "请提供 Excel（.xlsx）或 CSV 格式的数据。"
        )
    if "spreadsheet" in mimetype:
        raise refuse(
            path, "这是 OpenDocument 表格（.ods）", "用 WPS 或 Excel 打开，另存为 .xlsx 后再导入。"
        )
    if "xl/workbook.bin" in names:
        raise refuse(
            path, "这是 Excel 二进制工作簿（.xlsb）", "用 Excel 打开，另存为 .xlsx 后再导入。"
        )
    raise refuse(
        path, "这是 ZIP 压缩包，不是 Excel 工作簿", "请先解压，再导入其中的 Excel 或 CSV 文件。"
    )


def _ole_kind(path: Path) -> str:
    names = ole_streams(path)
    if "EncryptedPackage" in names or "EncryptionInfo" in names or _encrypted_head(path):
        raise DataError.unreadable(
            str(path),
            "工作簿设有密码（已加密）",
            hint="去掉密码（文件 → 信息 → 保护工作簿）后重新导出。",
        )
    if "Workbook" in names:
        return "xls"
    if "Book" in names:
        return "xls5"
    if "WordDocument" in names:
        raise refuse(
            path, "这是 Word 文档（.doc），不是表格", "请提供 Excel（.xlsx）或 CSV 格式的数据。"
        )
    raise refuse(
        path,
        "这是 OLE 复合文档，但其中没有 Excel 工作簿（既无 Workbook 也无 Book 数据流）",
        "用 Excel 打开该文件，另存为 .xlsx 后再导入。",
    )


def _encrypted_head(path: Path) -> bool:
    data = head(path, 1 << 16)
    return "EncryptedPackage".encode("utf-16-le") in data or b"EncryptionInfo" in data


def ole_streams(path: Path) -> set[str]:
    """Names of the entries of an OLE compound file's directory (empty if it is malformed).

    Follows the directory's sector chain through the FAT sectors the header lists; enough to
    tell a BIFF8 ``Workbook`` from a BIFF5 ``Book`` and from other OLE documents.
    """
    data = path.read_bytes()
    if len(data) < 512:
        return set()
    shift = struct.unpack_from("<H", data, 0x1E)[0]
    if not 7 <= shift <= 16:
        return set()
    size = 1 << shift
    fat_count, first_dir = struct.unpack_from("<II", data, 0x2C)
    fat_sectors = [s for s in struct.unpack_from("<109I", data, 0x4C)[:fat_count] if s < 0xFFFFFFFA]
    fat: list[int] = []
    for sector in fat_sectors:
        start = (sector + 1) * size
        chunk = data[start : start + size]
        fat.extend(struct.unpack(f"<{len(chunk) // 4}I", chunk[: len(chunk) // 4 * 4]))
    names: set[str] = set()
    sector, seen = first_dir, set()
    while sector < 0xFFFFFFFA and sector not in seen and (sector + 2) * size <= len(data) + size:
        seen.add(sector)
        block = data[(sector + 1) * size : (sector + 2) * size]
        for offset in range(0, len(block) - 127, 128):
            length = struct.unpack_from("<H", block, offset + 0x40)[0]
            if 2 <= length <= 64:
                raw = block[offset : offset + length - 2]
                names.add(raw.decode("utf-16-le", "replace"))
        sector = fat[sector] if sector < len(fat) else 0xFFFFFFFE
    return names
