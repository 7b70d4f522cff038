"""The exchange's models, one module per area."""

from civiclab.exchange.models.cases import *  # noqa: F403
from civiclab.exchange.models.convenings import *  # noqa: F403
from civiclab.exchange.models.directory import *  # noqa: F403
from civiclab.exchange.models.discussions import *  # noqa: F403
from civiclab.exchange.models.forks import *  # noqa: F403
from civiclab.exchange.models.library import *  # noqa: F403
from civiclab.exchange.models.metrics import *  # noqa: F403
from civiclab.exchange.models.similar import *  # noqa: F403
