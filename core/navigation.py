"""The navigation bar: links that packages register, each shown only to users the server would let in."""
from dataclasses import dataclass
from typing import Callable

from core.permissions import can


@dataclass
class NavLink:
    endpoint: str
    label: str
    badge: Callable | None = None  # badge(user) -> a count to show beside the label, or 0


_links = []


def nav_link(endpoint, label, badge=None):
    """Add a link to the navigation bar, in registration order."""
    _links.append(NavLink(endpoint, label, badge))


def links_for(user):
    """(link, badge count) for each link user may follow."""
    return [(link, link.badge(user) if link.badge else 0) for link in _links if can(link.endpoint)]


nav_link("core.home", "Home")
