from . import asq_complaint_cancel
from . import asq_complaint_ledger
