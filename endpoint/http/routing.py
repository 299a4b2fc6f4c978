"""Route decorators that keep the OpenAPI document clean: one operation per method.

A route registered for several methods at once gets the same operation id for each, which
OpenAPI forbids. ``get_and_head`` documents ``GET`` and answers ``HEAD`` (the same view,
left out of the document)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from fastapi import APIRouter

F = TypeVar("F", bound=Callable[..., Any])


def get_and_head(router: APIRouter, path: str, **options: Any) -> Callable[[F], F]:
    def register(view: F) -> F:
        router.head(path, include_in_schema=False, **options)(view)
        return router.get(path, **options)(view)

    return register
