"""What the home page shows each role: panels that domains register, each listing what needs attention."""
from dataclasses import dataclass, field


@dataclass
class Panel:
    title: str
    items: list = field(default_factory=list)  # (text, url or None) pairs
    empty: str = "Nothing needs your attention here."
    more_url: str | None = None


_panels = []


def home_panel(*roles, order=100):
    """Register fn(user) -> Panel or None for users holding any of roles; lower order shows first."""
    def register(fn):
        _panels.append((order, frozenset(roles), fn))
        _panels.sort(key=lambda panel: panel[0])  # stable: equal orders keep registration order
        return fn
    return register


def panels_for(user):
    shown = []
    for _, roles, fn in _panels:
        if user.roles & roles:
            panel = fn(user)
            if panel is not None:
                shown.append(panel)
    return shown
