URL_RULES: dict = {}
API_RULES: dict = {}
