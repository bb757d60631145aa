"""Writes of the compliance domain, one module per concern: the AEO registry (``certificates``), MRAs
(``mras``), customs review (``reviews``), trust re-evaluation (``reevaluation``), the daily date passes
(``passes``), and the checks they share (``checks``).
"""
