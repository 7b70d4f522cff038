"""Loaded with ``-p tests.bootstrap`` before pytest-django reads the settings.

Points civiclab at a throw-away data directory so tests never touch ./civiclab-data, unless
the caller chose one (CI sets CIVICLAB_DATABASE_URL for the PostgreSQL run).
"""

import os
import tempfile

os.environ.setdefault("CIVICLAB_DATA_DIR", tempfile.mkdtemp(prefix="civiclab-test-"))
os.environ.setdefault("CIVICLAB_EMAIL_BACKEND", "locmem")
