"""The licence register import's pages, its progress endpoint and the `flask import-licences` command."""
import sys
from pathlib import Path

import click
from flask import Blueprint, flash, jsonify, redirect, render_template, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired, FileSize
from playhouse.flask_utils import get_object_or_404
from wtforms import BooleanField, SubmitField

from core.auth import acting_user
from core.errors import Invalid
from core.forms import ConfirmForm
from core.models import Organisation
from core.permissions import require_own_organisation
from core.web import csv_response, paginate, wants_csv
from licensing import imports
from licensing.import_models import LicenceImport, LicenceImportProblem

# cli_group=None puts the command at the top level: `flask import-licences`, not `flask licence_import ...`.
bp = Blueprint("licence_import", __name__, cli_group=None)



class ImportForm(FlaskForm):
    file = FileField("Register file (CSV, UTF-8)", validators=[
        FileRequired("Choose the CSV file to import."), FileAllowed(["csv"], "Only .csv files can be imported."),
        FileSize(imports.UPLOAD_LIMIT, message="The file is larger than 20 MB: split it into smaller files.")])
    dry_run = BooleanField("Dry run: check every row and report problems, write nothing", default=True)
    submit = SubmitField("Upload and start")


def _own_run(import_id):
    return require_own_organisation(get_object_or_404(LicenceImport, LicenceImport.id == import_id),
                                    field="authority")


def _start(run):
    if imports.start(run):
        flash(f"{'Dry run' if run.dry_run else 'Import'} of {run.filename} started.", "success")
    else:
        flash("The job queue could not be reached, so the import did not start. Try again in a few minutes.",
              "danger")
    return redirect(url_for("licence_import.result", import_id=run.id))


@bp.route("/licensing/imports", methods=["GET", "POST"], endpoint="imports")
def imports_page():
    """Upload a register file to import into your authority's register, and list earlier imports."""
    form = ImportForm()
    if form.validate_on_submit():
        upload = form.file.data
        try:
            text = imports.decode(upload.read())
            run = imports.create_run(current_user.organisation, acting_user(),
                                     Path(upload.filename).name, text, form.dry_run.data)
        except Invalid as error:
            form.file.errors.append(next(iter(error.fields.values())))
        else:
            return _start(run)
    return render_template("licensing/imports.html", form=form, columns=imports.COLUMNS,
                           required=imports.REQUIRED_COLUMNS, statuses=imports.IMPORTABLE_STATUSES,
                           page=paginate(LicenceImport.listing(current_user.organisation_id)))


@bp.route("/licensing/imports/<int:import_id>")
def result(import_id):
    """Show an import's progress, then its results and every problem row (CSV export with ?format=csv)."""
    run = _own_run(import_id)
    problems = run.problems.order_by(LicenceImportProblem.line, LicenceImportProblem.id)
    if wants_csv():
        return csv_response("licence-import-problems", ["line", "licence_number", "severity", "column", "problem"],
                            problems, lambda p: [p.line, p.licence_number, p.severity, p.field or "", p.message])
    can_import = run.dry_run and run.status == "done" and run.imported > 0 and bool(run.content)
    return render_template("licensing/import_result.html", run=run, page=paginate(problems),
                           summary=imports.summary(run), confirm=ConfirmForm() if can_import else None)


@bp.route("/licensing/imports/<int:import_id>/status")
def status(import_id):
    """An import's progress as JSON, for the page's progress bar."""
    run = _own_run(import_id)
    return jsonify(id=run.id, status=run.status, dry_run=run.dry_run, finished=run.finished,
                   total_rows=run.total_rows, processed_rows=run.processed_rows, percent=run.percent,
                   created=run.created, updated=run.updated, unchanged=run.unchanged, failed=run.failed,
                   notices=run.notices, summary=imports.summary(run))


@bp.route("/licensing/imports/<int:import_id>/import", methods=["POST"])
def import_for_real(import_id):
    """Import for real the file a dry run checked."""
    dry = _own_run(import_id)
    if not (ConfirmForm().validate_on_submit() and dry.dry_run and dry.status == "done" and dry.content):
        flash("Only a finished dry run whose file is still kept can be imported from here: upload the file again.",
              "danger")
        return redirect(url_for("licence_import.result", import_id=dry.id))
    try:
        run = imports.create_run(dry.authority, acting_user(), dry.filename, dry.content,
                                 dry_run=False)
    except Invalid as error:
        flash(next(iter(error.fields.values())), "danger")
        return redirect(url_for("licence_import.result", import_id=dry.id))
    LicenceImport.update(content="").where(LicenceImport.id == dry.id).execute()  # one copy is enough
    return _start(run)


@bp.cli.command("import-licences")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--authority", "authority_id", type=int, required=True, help="The licensing authority's id.")
@click.option("--dry-run", is_flag=True, help="Check every row and report problems; write nothing.")
def import_licences(path, authority_id, dry_run):
    """Import the licence register in PATH (CSV, UTF-8) into an authority's register, as the upload page does."""
    authority = Organisation.get_or_none(Organisation.id == authority_id)
    if authority is None or authority.kind != "licensing":
        raise click.ClickException(f"No licensing authority has id {authority_id}.")
    try:
        run = imports.import_file(authority, None, path.name, imports.decode(path.read_bytes()), dry_run)
    except Invalid as error:
        raise click.ClickException(next(iter(error.fields.values()))) from None
    click.echo(f"Import {run.id} into {authority.name}. {imports.summary(run)}")
    problems, total = imports.first_problems(run), run.problems.count()
    if problems:
        click.echo(f"Problems ({len(problems)} of {total} shown; all of them are on the import's page):")
        for problem in problems:
            column = f"{problem.field}: " if problem.field else ""
            click.echo(f"  line {problem.line} {problem.licence_number} [{problem.severity}] {column}{problem.message}")
    if run.status != "done" or (run.failed and not run.imported):
        sys.exit(1)
