"""The simulated device lab: IOS-like devices served over real SSH on loopback.

Imports nothing from the rest of NetRaven so tests, benchmarks and demos can use it alone.
"""
