from . import res_company
from . import res_config_settings
from . import res_partner
from . import asq_delivered_line
from . import asq_demo
from . import asq_capa
