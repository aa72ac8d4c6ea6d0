"""The one table of platform profiles: the built-in ones, and those plugins register.

A platform without a profile is not supported: planning refuses its hosts before any
device is contacted. Lookups accept a profile's aliases (``junos``, ``iosxr``…).
"""

from __future__ import annotations

from netraven.errors import InputError
from netraven.platforms.builtin import BUILT_IN
from netraven.platforms.profile import PlatformProfile


class PlatformRegistry:
    def __init__(self, profiles: tuple[PlatformProfile, ...] = ()) -> None:
        self._profiles: dict[str, PlatformProfile] = {}
        self._names: dict[str, str] = {}  # name or alias → name
        self._origins: dict[str, str] = {}
        for profile in profiles:
            self.register(profile, "built-in")

    def register(self, profile: PlatformProfile, origin: str = "a plugin") -> None:
        """Add a profile; the same profile again is a no-op, and so is a new version from the
        same origin (a plugin file edited in a long-lived process); another's is an InputError."""
        for spelling in (profile.name, *profile.aliases):
            owner = self._names.get(spelling)
            if (
                owner is not None
                and self._profiles[owner] != profile
                and (self._origins[owner] != origin or origin == "built-in")
            ):
                raise InputError(
                    f"platform profile '{profile.name}' ({origin}): '{spelling}' is already "
                    f"the platform '{owner}' ({self._origins[owner]})"
                )
        self._profiles[profile.name] = profile
        self._origins[profile.name] = self._origins.get(profile.name, origin)
        for spelling in (profile.name, *profile.aliases):
            self._names[spelling] = profile.name

    def unregister(self, name: str) -> None:
        """Forget a plugin's profile (a test's, a plugin reloaded); built-ins stay."""
        if self._origins.get(name) == "built-in":
            raise InputError(f"platform '{name}' is built in and cannot be removed")
        profile = self._profiles.pop(name, None)
        self._origins.pop(name, None)
        if profile is not None:
            for spelling in (profile.name, *profile.aliases):
                self._names.pop(spelling, None)

    def find(self, platform: str) -> PlatformProfile | None:
        name = self._names.get(platform) or self._names.get(platform.lower())
        return self._profiles[name] if name is not None else None

    def get(self, platform: str, host: str | None = None) -> PlatformProfile:
        """The profile, or an InputError naming the host and what is supported."""
        profile = self.find(platform)
        if profile is None:
            who = f"host {host}: " if host else ""
            raise InputError(
                f"{who}platform '{platform}' is not supported (supported: "
                f"{', '.join(self.names())}; see docs/platforms.md)"
            )
        return profile

    def canonical(self, platform: str) -> str:
        """The profile's name for a spelling the inventory may use; unknown ones unchanged."""
        profile = self.find(platform)
        return profile.name if profile is not None else platform

    def names(self) -> list[str]:
        return sorted(self._profiles)

    def profiles(self) -> list[PlatformProfile]:
        return [self._profiles[n] for n in self.names()]


PLATFORMS = PlatformRegistry(BUILT_IN)
