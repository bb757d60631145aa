"""Traditional Chinese: figures grouped by thousands with a comma (10,000), as on Taiwan's trade documents.

Every other format (dates, times) falls through to Django's own zh_Hant formats.
"""

THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
