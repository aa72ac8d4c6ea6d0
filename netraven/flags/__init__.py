"""Feature flags: declared in ``netraven.toml``, overridden in the store, evaluated per host.

A flag is on or off *for a host*: a rollout percentage puts each host in a stable bucket
(a hash of the flag and host names), so hosts switched on at 10 % stay on at 50 %, and a
tag list switches on every host carrying one of the tags. Jobs take a snapshot when they
start, so a change made while a job runs applies from the next job, and the job records
what it saw.
"""

from netraven.flags.model import (
    BUCKETS,
    FlagDefinition,
    FlagOverride,
    FlagState,
    bucket,
    resolve,
)

__all__ = [
    "BUCKETS",
    "FlagDefinition",
    "FlagOverride",
    "FlagState",
    "bucket",
    "resolve",
]
