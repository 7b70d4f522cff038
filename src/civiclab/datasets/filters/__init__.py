"""PURE: the filter language indicators and maps share — a filter (column, operator, value),
values read from what people type, and the parameterised SQL condition of a list of filters.
No Django: the form fields and the operators' translated labels are in ``datasets/forms.py``."""
