"""Reading Dash component trees in tests: every node, the strings shown, the links, the nodes of
a class."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from dash import dcc


def nodes(component: Any) -> Iterator[Any]:
    """Every node of a component tree, depth first, strings included."""
    if isinstance(component, list | tuple):
        for child in component:
            yield from nodes(child)
    elif isinstance(component, str) or hasattr(component, "children"):
        yield component
        if not isinstance(component, str):
            yield from nodes(component.children)


def texts(component: Any) -> list[str]:
    """Every string inside a component tree, in order."""
    return [node for node in nodes(component) if isinstance(node, str)]


def links(component: Any) -> list[tuple[str, str]]:
    """The (text, href) of every link inside a component tree."""
    return [(n.children, n.href) for n in nodes(component) if isinstance(n, dcc.Link)]


def of_class(component: Any, name: str) -> list[Any]:
    """The nodes whose className holds ``name``."""
    return [
        n for n in nodes(component)
        if not isinstance(n, str) and name in (getattr(n, "className", None) or "").split()
    ]  # fmt: skip
