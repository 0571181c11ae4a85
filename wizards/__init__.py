from . import asq_capa_cancel
from . import asq_return_sign
from . import stock_return_picking
