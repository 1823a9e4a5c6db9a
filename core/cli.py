"""Command-line administration: organisations, users, API tokens and demo data."""
import sys

import click
from flask.cli import with_appcontext
from core import auth, demo
from core.models import ORGANISATION_KINDS, ROLE_OF_KIND, ROLES, Organisation, User


def _read_password():
    """Prompt for a password twice on a terminal; read one line from stdin otherwise."""
    if sys.stdin.isatty():
        return click.prompt("Password", hide_input=True, confirmation_prompt=True)
    return sys.stdin.readline().rstrip("\n")


@click.command("create-org")
@with_appcontext
@click.argument("name")
@click.option("--kind", type=click.Choice(sorted(ORGANISATION_KINDS)), required=True)
def create_org(name, kind):
    """Create an organisation called NAME."""
    if Organisation.get_or_none(Organisation.name == name):
        raise click.ClickException(f"An organisation called {name!r} exists already.")
    organisation = Organisation.create(name=name, kind=kind)
    click.echo(f"Created organisation {organisation.id}: {name} ({kind})")


@click.command("create-user")
@with_appcontext
@click.argument("email")
@click.option("--name", required=True, help="The person's full name.")
@click.option("--org", "organisation_name", required=True, help="Organisation name or id.")
@click.option("--role", type=click.Choice(sorted(ROLES)), required=True)
def create_user(email, name, organisation_name, role):
    """Create a user; the password comes from a prompt, or from stdin when piped."""
    organisation = Organisation.get_or_none(
        (Organisation.name == organisation_name)
        | (Organisation.id == (int(organisation_name) if organisation_name.isdigit() else -1)))
    if organisation is None:
        raise click.ClickException(f"No organisation {organisation_name!r}.")
    if role not in ("manager", "admin", ROLE_OF_KIND[organisation.kind]):
        raise click.ClickException(f"A {organisation.kind} organisation's users have role "
                                   f"{ROLE_OF_KIND[organisation.kind]}, manager or admin.")
    if User.by_email(email):
        raise click.ClickException(f"A user with email {email} exists already.")
    password = _read_password()
    problem = auth.password_problem(password)
    if problem:
        raise click.ClickException(problem)
    user = auth.create_user(email, name, organisation, role, password)
    click.echo(f"Created user {user.id}: {user.email} ({role}, {organisation.name})")


@click.command("create-token")
@with_appcontext
@click.argument("email")
@click.option("--name", default="command line", help="What the token is for.")
def create_token(email, name):
    """Print a new API token for the user with EMAIL (it is stored hashed and shown only now)."""
    user = User.by_email(email)
    if user is None or not user.is_active:
        raise click.ClickException(f"No active user {email}.")
    click.echo(auth.issue_token(user, name))


@click.command("seed-demo")
@with_appcontext
def seed_demo():
    """Create the demo organisations, users and records (safe to run again)."""
    logins = demo.seed()
    click.echo("Demo logins (also kept in %s):" % demo.logins_file())
    for email, role, password in logins:
        click.echo(f"  {role:18} {email:28} {password}")


def init_app(app):
    for command in (create_org, create_user, create_token, seed_demo):
        app.cli.add_command(command)
