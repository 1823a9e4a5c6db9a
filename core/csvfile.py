"""Reading a CSV file for an import: its text, its header line and its rows, each with the line it starts on.

The licence register import (licensing/imports.py) and the gazetteer import (hotspots/gazetteer.py) both read
files through here, so a file is refused with the same clear messages whichever import it is given to.
"""
import csv
import io

from core.errors import Invalid


class FileProblem(Exception):
    """The file as a whole cannot be read: nothing in it is imported."""


def decode(data):
    """The text of an uploaded file: UTF-8, with or without the byte-order mark spreadsheets add."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise Invalid({"file": "The file is not UTF-8 text. In a spreadsheet, save it as 'CSV UTF-8'."},
                      "The file is not UTF-8 text.") from None


def header_problem(header, required, optional):
    """Why the header line does not name the columns an import reads, or None."""
    names = [name.strip().lower() for name in header]
    if len(names) == 1 and any(mark in names[0] for mark in ";\t|"):
        return "The cells are not separated by commas. Save the file as CSV (comma separated), UTF-8."
    missing = [name for name in required if name not in names]
    unknown = [name for name in names if name and name not in required + optional]  # unnamed columns may stay empty
    repeated = sorted({name for name in names if name and names.count(name) > 1})
    problems = []
    if missing:
        problems.append("missing column(s): " + ", ".join(missing))
    if unknown:
        problems.append("unknown column(s): " + ", ".join(unknown))
    if repeated:
        problems.append("column(s) named twice: " + ", ".join(repeated))
    if not problems:
        return None
    return (f"The header line is not right ({'; '.join(problems)}). The first line must name the columns; "
            f"required: {', '.join(required)}; optional: {', '.join(optional)}.")


def read_rows(text, required, optional, noun):
    """(header, [(line, {column: cell})]) of a CSV file; line is where the row starts (the header is line 1).

    Column names are read in lower case. A row's cells under unnamed columns are joined under "" (they should be
    empty), and cells beyond the header's last column are listed under None. Blank lines are skipped. noun says
    what the rows are ("licences"), for the message about a file with none. Raises FileProblem when the file as a
    whole is unusable.
    """
    reader = csv.reader(io.StringIO(text, newline=""))
    header, rows, last_line = None, [], 0
    try:
        for cells in reader:
            line, last_line = last_line + 1, reader.line_num
            if not any(cell.strip() for cell in cells):
                continue  # blank lines and rows of empty cells
            if header is None:
                problem = header_problem(cells, required, optional)
                if problem:
                    raise FileProblem(problem)
                header = [name.strip().lower() for name in cells]
                continue
            row = {name: cell for name, cell in zip(header, cells) if name}
            row[""] = "".join(cell for name, cell in zip(header, cells) if not name)
            if len(cells) > len(header):
                row[None] = cells[len(header):]
            rows.append((line, row))
    except csv.Error as error:
        raise FileProblem(f"Line {reader.line_num} cannot be read as CSV: {error}.") from None
    if header is None:
        raise FileProblem("The file is empty. Its first line must name the columns: "
                          + ", ".join(required + optional) + ".")
    if not rows:
        raise FileProblem(f"The file has a header line but no {noun} under it.")
    return header, rows
