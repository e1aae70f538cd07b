"""/static: the pages' scripts, styles and icons, served from the installed package (never a CDN).
URLs carry `?v=<version>`, so browsers may cache them for a day."""

from importlib import resources

from fastapi import FastAPI
from starlette.staticfiles import StaticFiles


class VersionedStaticFiles(StaticFiles):
    def file_response(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        response = super().file_response(*args, **kwargs)
        response.headers["Cache-Control"] = "public, max-age=86400"
        response.headers["X-Content-Type-Options"] = "nosniff"
        return response


def mount_static(app: FastAPI) -> None:
    folder = resources.files("omniline.web") / "static"
    app.mount("/static", VersionedStaticFiles(directory=str(folder)), name="static")
