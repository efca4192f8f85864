"""Access rules of the code-table URLs (see core/tests/test_access_matrix.py)."""

from medoffice.core.permissions import Capability
from medoffice.core.tests.access_rules import cap

URL_RULES = {
    "coding:tables": cap(Capability.CODING),
    "coding:tables_results": cap(Capability.CODING),
}
