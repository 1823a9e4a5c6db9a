"""Helpers every page and endpoint shares: pagination, CSV export, and error answers."""
import csv
import io
import math
from dataclasses import dataclass

from flask import Response, current_app, jsonify, render_template, request, stream_with_context
from werkzeug.exceptions import HTTPException

from core import audit
from core.errors import Invalid, WorkflowError
from core.timeutil import utcnow

# A spreadsheet treats a cell starting with one of these as a formula (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass
class Page:
    """One page of a query's results, for the pagination macro and the API's list shape."""

    items: list
    page: int
    per_page: int
    total: int

    @property
    def pages(self):
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def has_prev(self):
        return self.page > 1

    @property
    def has_next(self):
        return self.page < self.pages


def _int_arg(name, default, low, high):
    try:
        value = int(request.args.get(name, default))
    except (TypeError, ValueError):
        value = default
    return min(max(value, low), high)


def paginate(query, per_page=None):
    """Page a peewee query (or anything with its count() and paginate(page, per_page)) by ?page= and ?per_page=
    (capped at 200). The page is read first: a first page that is not full, or any page short of full, says
    how many rows there are, so most searches need no COUNT. A page past the end shows the last page."""
    per_page = _int_arg("per_page", per_page or current_app.config["PER_PAGE"], 1, 200)
    page = _int_arg("page", 1, 1, 10 ** 6)
    items = list(query.paginate(page, per_page))
    if len(items) < per_page and (items or page == 1):
        return Page(items=items, page=page, per_page=per_page, total=(page - 1) * per_page + len(items))
    total = query.count()
    last = max(1, math.ceil(total / per_page))
    if page > last:
        page, items = last, list(query.paginate(last, per_page))
    return Page(items=items, page=page, per_page=per_page, total=total)


def api_list(page, serialise):
    """The API's list shape (SPEC §5.1)."""
    return jsonify(items=[serialise(item) for item in page.items], page=page.page,
                   per_page=page.per_page, total=page.total)


def safe_cell(value):
    """Neutralise a CSV cell a spreadsheet would run as a formula."""
    if value is None:
        return ""
    text = str(value)
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def csv_response(name, header, records, row):
    """Stream row(record) for each of records as a CSV download called name-<date>.csv.

    Every export is audited as "<name>.export" with the filters used. records (usually a query)
    is read only while streaming, inside the request's context, and every cell is made formula-safe.
    """
    audit.record(f"{name}.export", reason=request.query_string.decode()[:500] or None)
    def generate():
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(header)
        for record in records:
            writer.writerow([safe_cell(cell) for cell in row(record)])
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate(0)
        yield buffer.getvalue()

    filename = f"{name}-{utcnow():%Y-%m-%d}.csv"
    # stream_with_context keeps the request (and its database connection) open while rows stream.
    return Response(stream_with_context(generate()), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def wants_csv():
    return request.args.get("format") == "csv"


def api_error(status, code, message, fields=None):
    """A JSON error in the shape of SPEC §5.1."""
    response = jsonify(error={"code": code, "message": message, "fields": fields or {}})
    response.status_code = status
    return response


ERROR_CODES = {400: "bad_request", 401: "unauthorised", 403: "forbidden", 404: "not_found",
               405: "method_not_allowed", 409: "conflict", 422: "invalid", 500: "server_error"}


def json_body():
    """The request's JSON object, or Invalid when there is none."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise Invalid({"body": "Send a JSON object with Content-Type: application/json."}, "The body is not a JSON object.")
    return body


def init_app(app):
    @app.errorhandler(Invalid)
    def invalid(error):
        return api_error(422, "invalid", error.message, error.fields)

    @app.errorhandler(WorkflowError)
    def conflict(error):
        return api_error(409, "conflict", str(error))

    def handle(error):
        status = error.code if isinstance(error, HTTPException) else 500
        if status == 500:
            current_app.logger.exception("Unhandled error on %s", request.path)
        if request.path.startswith("/api/"):
            message = error.description if isinstance(error, HTTPException) and status != 500 \
                else "Something went wrong on our side. It has been logged."
            return api_error(status, ERROR_CODES.get(status, "error"), message)
        template = f"errors/{status}.html" if status in (403, 404, 500) else "errors/other.html"
        return render_template(template, status=status), status

    app.register_error_handler(HTTPException, handle)
    app.register_error_handler(Exception, handle)
