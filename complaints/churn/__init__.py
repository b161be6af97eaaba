"""Churn: complaints × customers × number-porting events.

`link` and `lift` answer which pain points precede port-outs (Mantel-Haenszel stratified lift
with confidence intervals, porting reasons, net flow by operator) and `linkbase` holds what they
share (the port-out query, date handling, pain-point names); `linkview` renders their tables.
`features` builds point-in-time churn features per customer as of a date in DuckDB SQL (and the
data dictionary, features.md); `model` is the churn model (a scikit-learn estimator that drops
empty and constant columns) and its evaluation over past as-of dates; `atrisk` scores customers
into capacity tiers, `reasons` names the drivers behind each flagged score and `calllist` joins
the operator's own customer file for the numbers and suggests an action. Reads the store's
complaints, assignments, customers and port_events; produces tables, parquet and CSV/XLSX files.
"""
