"""Fault injection: real processes, real kills, and a checker that counts what was lost.

``erestaurant faults`` starts the system, drives orders through the gateway as kiosks and
cooks would, injects one fault at a time (kills, a broker restart, a frozen payment,
duplicated and reordered events, poison, crashes at failpoints), lets the system settle,
and checks the contract's invariants against every service's own data.
"""
