"""Access rows for the own-data download and account deletion."""

from tests.access import SIGNED_IN, Route

ROUTES = [
    Route("privacy.index", "GET", "/account/privacy", SIGNED_IN),
    Route("privacy.download", "GET", "/account/data.json", SIGNED_IN),
    # A wrong password: the form is re-rendered (422), nothing is deleted.
    Route("privacy.delete", "POST", "/account/delete", SIGNED_IN,
          data={"mode": "remove", "password": "not the password"}),
]
