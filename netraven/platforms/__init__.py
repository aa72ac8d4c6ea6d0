"""Platforms as data: one ``PlatformProfile`` per network OS, in one registry.

``profile_for(name)`` is what the engine and the connections read; ``register_profile``
is how a plugin adds a platform (docs/platforms.md).
"""

from __future__ import annotations

from netraven.platforms.profile import ConfigModel, PlatformProfile
from netraven.platforms.registry import PLATFORMS, PlatformRegistry

__all__ = [
    "PLATFORMS",
    "ConfigModel",
    "PlatformProfile",
    "PlatformRegistry",
    "find_profile",
    "profile_for",
    "register_profile",
]


def profile_for(platform: str, host: str | None = None) -> PlatformProfile:
    """The platform's profile; an InputError when it has none."""
    return PLATFORMS.get(platform, host)


def find_profile(platform: str) -> PlatformProfile | None:
    return PLATFORMS.find(platform)


def register_profile(profile: PlatformProfile, origin: str = "a plugin") -> None:
    PLATFORMS.register(profile, origin)
