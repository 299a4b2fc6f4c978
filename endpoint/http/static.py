"""Static files: the project's own (endpoint/static/, through Starlette's StaticFiles:
no directory listing, no way out of the folder, ETag and Last-Modified with 304s) and the
front-end libraries from node_modules/, only the files listed here (pinned by
package-lock.json, never a CDN; a route, because StaticFiles would serve the whole folder)."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import FileResponse
from starlette.staticfiles import StaticFiles

from kg.errors import FrontendMissing, NotFound

OWN = Path(__file__).parent.parent / "static"

#: package -> {served name: path inside node_modules}
VENDOR: dict[str, dict[str, str]] = {
    "leaflet": {
        "leaflet.js": "leaflet/dist/leaflet.js",
        "leaflet.css": "leaflet/dist/leaflet.css",
        "images/marker-icon.png": "leaflet/dist/images/marker-icon.png",
        "images/marker-icon-2x.png": "leaflet/dist/images/marker-icon-2x.png",
        "images/marker-shadow.png": "leaflet/dist/images/marker-shadow.png",
        "images/layers.png": "leaflet/dist/images/layers.png",
        "images/layers-2x.png": "leaflet/dist/images/layers-2x.png",
    },
    "markercluster": {
        "leaflet.markercluster.js": "leaflet.markercluster/dist/leaflet.markercluster.js",
        "MarkerCluster.css": "leaflet.markercluster/dist/MarkerCluster.css",
        "MarkerCluster.Default.css": "leaflet.markercluster/dist/MarkerCluster.Default.css",
    },
    "cytoscape": {
        "cytoscape.min.js": "cytoscape/dist/cytoscape.min.js",
        # the fCoSE layout and the two libraries it is built on, in this order
        "layout-base.js": "layout-base/layout-base.js",
        "cose-base.js": "cose-base/cose-base.js",
        "cytoscape-fcose.js": "cytoscape-fcose/cytoscape-fcose.js",
    },
    "chartjs": {"chart.umd.min.js": "chart.js/dist/chart.umd.min.js"},
    # the API documentation pages (endpoint/pages/apidocs.py)
    "swagger-ui": {
        "swagger-ui-bundle.js": "swagger-ui-dist/swagger-ui-bundle.js",
        "swagger-ui.css": "swagger-ui-dist/swagger-ui.css",
        "favicon-32x32.png": "swagger-ui-dist/favicon-32x32.png",
    },
    "redoc": {"redoc.standalone.js": "redoc/bundles/redoc.standalone.js"},
}
MEDIA = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".png": "image/png",
}

router = APIRouter()


def install(app: FastAPI) -> None:
    app.mount("/static/app", StaticFiles(directory=OWN), name="static-app")
    app.include_router(router)


@router.get("/static/lib/{package}/{name:path}", include_in_schema=False, response_model=None)
def vendor_file(request: Request, package: str, name: str) -> FileResponse:
    relative = VENDOR.get(package, {}).get(name)
    if relative is None:
        raise NotFound(f"no front-end file {package}/{name}")
    path = request.app.state.settings.root / "node_modules" / relative
    if not path.is_file():
        raise FrontendMissing(
            f"the front-end library {package} is not installed: run `make setup` (npm ci)"
        )
    return FileResponse(path, media_type=MEDIA.get(path.suffix))
