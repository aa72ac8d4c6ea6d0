"""The simulated device lab: IOS-, EOS- and Junos-like devices served over real SSH (and
Telnet) on loopback, from one process (see docs/lab.md).

Imports nothing from the rest of NetRaven but its error tree and system helpers, so tests,
benchmarks and demos can use it alone.
"""
