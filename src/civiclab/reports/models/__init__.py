"""The reports app's models, one module per area."""

from civiclab.reports.models.capacity import *  # noqa: F403
from civiclab.reports.models.dashboard import *  # noqa: F403
from civiclab.reports.models.keyfacts import *  # noqa: F403
from civiclab.reports.models.nudges import *  # noqa: F403
from civiclab.reports.models.packs import *  # noqa: F403
from civiclab.reports.models.public import *  # noqa: F403
