from . import asq_capa_cancel
