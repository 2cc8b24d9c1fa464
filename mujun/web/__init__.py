"""The web app (`mujun serve`): the yearly cycle in a browser, county by county, offline.

Server-rendered pages over the same DuckDB file and the same operations as the CLI, in the
Datasette manner: `app` builds the app, `views` holds one module per kind of page,
`permissions` answers every "may this user see / do this", `templates` and `static` ship
inside the package.
"""

from mujun.web.app import create_app

__all__ = ["create_app"]
