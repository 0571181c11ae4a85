from . import test_foundation
from . import test_foundation_security
from . import test_foundation_tour
from . import test_translation
from . import test_capa
from . import test_return
from . import test_return_tour
