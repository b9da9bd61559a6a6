"""Flask extensions, created unbound and bound to the app in ``create_app``."""

from flask_htmx import HTMX
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect

from dialogue.db import Base

db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
htmx = HTMX()
# Per-IP limits are only for login, registration, password reset and join codes;
# posting and voting are limited per user or participant (a school shares one IP).
limiter = Limiter(key_func=get_remote_address, default_limits=[])
