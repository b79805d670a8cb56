"""The Omaha integrated assessment as a service over the store: submit a form, read the trend,
list, confirm and dismiss suggested problems. The operations and the pages call these."""
