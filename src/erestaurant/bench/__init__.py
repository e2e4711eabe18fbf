"""``erestaurant bench``: how fast the whole saga runs, against the primitives it runs on.

Every figure is measured in the same run as the primitives it should be read against (a
hello-world endpoint on the same server stack, raw JetStream publish and consume with the
same client, raw commits on the same database), so a report reads as ratios, not as
absolute numbers that depend on the machine.
"""
