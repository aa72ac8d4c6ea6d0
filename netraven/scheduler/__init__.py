"""Store-backed schedules: when each runs (``timing``), what runs (``handlers``), the loop
that fires them (``loop.Scheduler``, embedded by ``netraven serve``)."""
